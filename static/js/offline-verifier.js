/*
 * Offline verifier of credit-certificate tokens, in the browser (Web Crypto) or Node >= 20.
 *
 * It checks a scanned token against a cached JWKS and cached signed status
 * lists, with no call to the platform. Fetch the cache when online:
 *
 *   GET /.well-known/jwks.json                       -> jwks
 *   GET /api/v1/certificates/status-lists            -> {"lists": [{"id", "url"}]}
 *   GET /api/v1/certificates/status-lists/<id>       -> {"credential": "<JWS>"}  (send If-None-Match)
 *
 * then, offline:
 *
 *   const verifier = await RegistryOfflineVerifier.create(jwks, [credential, ...]);
 *   const answer = await verifier.verify(token);
 *   // {valid: true, status: "active" | "departed", statusCode: "green" | "yellow" | "red", expiresAt}
 *   // or {valid: false, code: "certificate_revoked"}
 *
 * Token: compact JWS (EdDSA, typ "hscc+jws"), claims cid, sl (status list id), si (index), iat, exp.
 * Status list: compact JWS (typ "vc+jwt") whose payload is a W3C BitstringStatusListCredential;
 * credentialSubject.encodedList is "u" + base64url(gzip(bits)), statusSize bits per entry, index 0
 * in the left-most bits; 0 active, 1 departed, 2 withdrawn, 3 revoked.
 * Codes are the platform's: token_malformed, token_wrong_type, token_unknown_key,
 * token_bad_signature, token_expired, token_not_yet_valid, status_list_missing,
 * status_list_expired, status_index_out_of_range, certificate_inactive, certificate_revoked.
 */
(function (root) {
  "use strict";

  const TOKEN_TYPE = "hscc+jws";
  const LIST_TYPE = "vc+jwt";
  const CLOCK_SKEW = 60;
  const NAMES = ["active", "departed", "withdrawn", "revoked"];
  const B64URL = /^[A-Za-z0-9_-]*$/;

  class Refused extends Error {
    constructor(code) { super(code); this.code = code; }
  }

  function b64urlDecode(text) {
    if (typeof text !== "string" || !B64URL.test(text) || text.length % 4 === 1) throw new Refused("malformed");
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function json(bytes) {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  }

  async function importKeys(jwks) {
    const keys = new Map();
    for (const jwk of (jwks && jwks.keys) || []) {
      if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.kid !== "string") continue;
      try {
        keys.set(jwk.kid, await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x },
          { name: "Ed25519" }, false, ["verify"]));
      } catch (error) { /* a key this runtime cannot use is skipped */ }
    }
    return keys;
  }

  async function verifyJws(token, typ, keys, prefix) {
    if (typeof token !== "string" || token.split(".").length !== 3) throw new Refused(prefix + "_malformed");
    const [headerPart, bodyPart, signaturePart] = token.split(".");
    let header, payload, signature;
    try {
      header = json(b64urlDecode(headerPart));
      payload = json(b64urlDecode(bodyPart));
      signature = b64urlDecode(signaturePart);
    } catch (error) { throw new Refused(prefix + "_malformed"); }
    if (!header || typeof header !== "object" || !payload || typeof payload !== "object") {
      throw new Refused(prefix + "_malformed");
    }
    if (header.alg !== "EdDSA" || header.typ !== typ) throw new Refused(prefix + "_wrong_type");
    const key = typeof header.kid === "string" ? keys.get(header.kid) : undefined;
    if (!key) throw new Refused(prefix + "_unknown_key");
    const signed = new TextEncoder().encode(headerPart + "." + bodyPart);
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, signature, signed))) {
      throw new Refused(prefix + "_bad_signature");
    }
    return payload;
  }

  async function gunzip(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function loadList(credential, keys, now) {
    const payload = await verifyJws(credential, LIST_TYPE, keys, "status_list");
    const subject = payload.credentialSubject || {};
    const size = subject.statusSize || 1;
    if (!Number.isInteger(payload.exp) || !Number.isInteger(payload.list) || typeof subject.encodedList !== "string"
        || !subject.encodedList.startsWith("u") || ![1, 2, 4, 8].includes(size)) {
      throw new Refused("status_list_malformed");
    }
    if (payload.exp <= now) throw new Refused("status_list_expired");
    let bits;
    try { bits = await gunzip(b64urlDecode(subject.encodedList.slice(1))); }
    catch (error) { throw new Refused("status_list_malformed"); }
    return { id: payload.list, bits, size, validUntil: payload.exp };
  }

  function statusAt(list, index) {
    const offset = index * list.size;
    const byte = Math.floor(offset / 8);
    if (byte >= list.bits.length) throw new Refused("status_index_out_of_range");
    return (list.bits[byte] >> (8 - list.size - (offset % 8))) & ((1 << list.size) - 1);
  }

  // The status code (安心码) the token carries: green holds until its day "scu" (China time) ends at the latest;
  // a departed entry in the status list makes it red whatever the token says.
  function statusCode(claims, status, now) {
    if (status === "departed") return "red";
    const colour = ["green", "yellow", "red"].includes(claims.sc) ? claims.sc : null;
    if (colour === "green" && typeof claims.scu === "string") {
      const chinaToday = new Date((now + 8 * 3600) * 1000).toISOString().slice(0, 10);
      if (chinaToday > claims.scu) return "yellow";
    }
    return colour;
  }

  class OfflineVerifier {
    constructor(keys, lists) { this.keys = keys; this.lists = lists; }

    /** Build a verifier from a cached JWKS and cached status-list credentials (bad or expired lists are left out). */
    static async create(jwks, credentials, now = Date.now() / 1000) {
      const keys = await importKeys(jwks);
      const lists = new Map();
      for (const credential of credentials || []) {
        try {
          const list = await loadList(credential, keys, now);
          lists.set(list.id, list);
        } catch (error) { /* counts as missing: fetch again */ }
      }
      return new OfflineVerifier(keys, lists);
    }

    /** Check one scanned token with no network call. */
    async verify(token, now = Date.now() / 1000) {
      try {
        if (typeof token !== "string" || !token.trim() || token.length > 1024) throw new Refused("token_malformed");
        const claims = await verifyJws(token.trim(), TOKEN_TYPE, this.keys, "token");
        const { iat, exp, sl, si } = claims;
        if (![iat, exp, sl, si].every(Number.isInteger) || si < 0) throw new Refused("token_malformed");
        if (iat > now + CLOCK_SKEW) throw new Refused("token_not_yet_valid");
        if (exp <= now) throw new Refused("token_expired");
        const list = this.lists.get(sl);
        if (!list) throw new Refused("status_list_missing");
        if (list.validUntil <= now) throw new Refused("status_list_expired");
        const value = statusAt(list, si);
        if (value === 3) throw new Refused("certificate_revoked");
        if (value === 2) throw new Refused("certificate_inactive");
        return { valid: true, status: NAMES[value], statusCode: statusCode(claims, NAMES[value], now), expiresAt: exp };
      } catch (error) {
        if (error instanceof Refused) return { valid: false, code: error.code };
        throw error;
      }
    }
  }

  const api = { create: OfflineVerifier.create, OfflineVerifier, Refused };
  root.RegistryOfflineVerifier = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
