"""Offline verifier of credit-certificate tokens (`registry-certverify`).

It checks a scanned token against a cached JWKS and cached signed status
lists (W3C Bitstring Status List) with no call to the platform; only
`registry-certverify fetch` talks to the platform, to fill or refresh the
cache. It imports nothing of the app (an import-linter contract).
"""
