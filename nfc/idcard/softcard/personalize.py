"""Personalize software cards: MRZ, LDS files, face image, EF.SOD.

The signing side (CSCA -> document signer -> SOD) lives in
:mod:`idcard.softcard.pki`.
"""

from __future__ import annotations

import datetime as _dt
import io
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .. import tlv
from ..icao.lds import AA_INFO_OID, FID_COM, FID_SOD, TAG_BY_DG, dg_fid
from ..icao.lengths import FID_ATR_INFO, encode_atr_info
from ..icao.mrz import MRZ, check_digit, mrz_information, parse_mrz
from ..icao.secinfo import encode_security_infos
from .ca_card import CardCA
from .card import SoftwareCard
from .link import EXTENDED_BUFFER
from .pace_card import ACCESS_MODES, DEFAULT_PACE_OPTIONS, CardPACE, PaceOption, random_can
from .pki import TestPKI, build_master_list, generate_pki, issue_certificate, sign_cms, sign_sod


def _field(text: str, width: int) -> str:
    text = "".join(c if c.isalnum() else "<" for c in text.upper())
    if len(text) > width:
        raise ValueError(f"{text!r} does not fit {width} characters")
    return text.ljust(width, "<")


def _names(surname: str, given_names: str, width: int) -> str:
    primary = "<".join(surname.upper().split())
    secondary = "<".join(given_names.upper().split())
    return _field(primary + "<<" + secondary, width)[:width]


def make_td3(*, document_number: str, birth_date: str, expiry_date: str,
             surname: str, given_names: str, nationality: str = "UTO",
             issuing_state: str = "UTO", sex: str = "F",
             document_code: str = "P", personal_number: str = "") -> str:
    """Build a TD3 (passport) MRZ with correct check digits."""
    number = _field(document_number, 9)
    opt = _field(personal_number, 14)
    line1 = _field(document_code, 2) + _field(issuing_state, 3) + \
        _names(surname, given_names, 39)
    body = (number + check_digit(number) + _field(nationality, 3) +
            birth_date + check_digit(birth_date) + sex + expiry_date +
            check_digit(expiry_date) + opt + check_digit(opt))
    composite = body[0:10] + body[13:20] + body[21:43]
    return line1 + "\n" + body + check_digit(composite)


def make_td1(*, document_number: str, birth_date: str, expiry_date: str,
             surname: str, given_names: str, nationality: str = "UTO",
             issuing_state: str = "UTO", sex: str = "F",
             document_code: str = "I") -> str:
    """Build a TD1 (ID card) MRZ, including the long-number overflow rule."""
    number = document_number.upper()
    if len(number) > 9:
        # Part 5: '<' in the check digit position, the rest of the number
        # and its check digit open the optional data.
        first = number[:9] + "<"
        opt1 = _field(number[9:] + check_digit(number), 15)
    else:
        first = _field(number, 9)
        first += check_digit(first)
        opt1 = _field("", 15)
    line1 = _field(document_code, 2) + _field(issuing_state, 3) + first + opt1
    line2 = (birth_date + check_digit(birth_date) + sex + expiry_date +
             check_digit(expiry_date) + _field(nationality, 3) +
             _field("", 11))
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += check_digit(composite)
    return "\n".join((line1, line2, _names(surname, given_names, 30)))


def demo_face_jpeg(size: tuple[int, int] = (240, 320), *,
                   target_bytes: int | None = None, seed: int = 7) -> bytes:
    """Draw a synthetic face portrait and return it as JPEG bytes.

    ``target_bytes`` adds sensor-like noise and picks the JPEG quality so
    the file comes close to (not above) that size, for realistic DG2s.
    """
    import numpy as np
    from PIL import Image, ImageDraw

    w, h = size
    image = Image.new("RGB", size, (205, 215, 225))
    draw = ImageDraw.Draw(image)
    draw.ellipse((w * .22, h * .15, w * .78, h * .75), fill=(224, 188, 160))
    for x in (.38, .62):
        draw.ellipse((w * x - 9, h * .38 - 5, w * x + 9, h * .38 + 5),
                     fill=(60, 40, 30))
    draw.line((w * .5, h * .42, w * .47, h * .53), fill=(150, 110, 90),
              width=3)
    draw.arc((w * .38, h * .55, w * .62, h * .65), 20, 160,
             fill=(150, 60, 60), width=3)
    draw.rectangle((w * .15, h * .78, w * .85, h), fill=(40, 60, 110))
    if target_bytes:
        rng = np.random.default_rng(seed)
        pixels = np.asarray(image, dtype=np.int16)
        pixels = pixels + rng.normal(0, 12, pixels.shape).astype(np.int16)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    def _encode(quality: int) -> bytes:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        return out.getvalue()

    if not target_bytes:
        return _encode(90)
    # JPEG size grows with quality: binary search the largest quality whose
    # file still fits the target.
    low, high, best = 5, 95, _encode(5)
    while low <= high:
        middle = (low + high) // 2
        candidate = _encode(middle)
        if len(candidate) <= target_bytes:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def encode_dg2(image: bytes, width: int, height: int) -> bytes:
    """DG2 with one ISO/IEC 19794-5 facial record around ``image``."""
    jpeg = image.startswith(b"\xff\xd8")
    info = (bytes(2) + bytes([0, 0, 0]) + bytes(3) + bytes(2) + bytes(3) +
            bytes(3))  # points, gender, eyes, hair, mask, expression, poses
    image_info = (bytes([1, 0 if jpeg else 1]) + width.to_bytes(2, "big") +
                  height.to_bytes(2, "big") + bytes([1, 2]) + bytes(4))
    block = (20 + 12 + len(image)).to_bytes(4, "big") + info + image_info + \
        image
    record = b"FAC\x00010\x00" + (14 + len(block)).to_bytes(4, "big") + \
        (1).to_bytes(2, "big") + block
    header = tlv.encode(0xA1, tlv.encode(0x80, b"\x01\x01") +
                        tlv.encode(0x81, b"\x02") +
                        tlv.encode(0x87, b"\x01\x01") +
                        tlv.encode(0x88, b"\x00\x08"))
    template = tlv.encode(0x7F60, header + tlv.encode(0x5F2E, record))
    return tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(0x02, b"\x01")
                                       + template))


def _dg11(full_name: str, extra: dict[int, str]) -> bytes:
    items = {0x5F0E: full_name, **extra}
    tags = b"".join(t.to_bytes(2, "big") for t in items)
    body = b"".join(tlv.encode(t, v.encode("utf-8")) for t, v in items.items())
    return tlv.encode(0x6B, tlv.encode(0x5C, tags) + body)


@dataclass
class TestDocument:
    """A personalized software-card document and its PKI."""

    mrz: MRZ
    files: dict[int, bytes]
    pki: TestPKI
    aa_key: object = None
    aa_hash: str = "sha1"
    face_jpeg: bytes = field(default=b"", repr=False)
    #: APDU length behaviour of the chip (see :mod:`idcard.softcard.link`)
    #: and the plain files of its master file (EF.ATR/INFO).
    extended_length: bool = False
    response_chaining: bool = False
    mf_files: dict[int, bytes] = field(default_factory=dict, repr=False)
    #: Access control ("bac", "pace" or "both"), the CAN printed on the
    #: document, the PACE options of EF.CardAccess and the Chip
    #: Authentication key (:mod:`idcard.softcard.ca_card`), if any.
    access: str = "bac"
    can: str = ""
    pace_options: tuple[PaceOption, ...] = ()
    ca: CardCA | None = field(default=None, repr=False)

    @property
    def mrz_information(self) -> str:
        """The BAC key input for this document."""
        return self.mrz.mrz_information

    @property
    def csca_certificate(self) -> x509.Certificate:
        """The CSCA to trust for verifying this document."""
        return self.pki.csca_cert

    def card(self) -> SoftwareCard:
        """A fresh software chip holding this document."""
        pace = CardPACE(self.pace_options or DEFAULT_PACE_OPTIONS,
                        mrz_information=self.mrz_information, can=self.can) \
            if self.access in ("pace", "both") else None
        return SoftwareCard(self.files, self.mrz_information, self.aa_key,
                            aa_hash=self.aa_hash,
                            extended_length=self.extended_length,
                            response_chaining=self.response_chaining,
                            mf_files=self.mf_files, pace=pace,
                            bac=self.access != "pace", ca=self.ca)

    def data_group(self, number: int) -> bytes | None:
        """Raw bytes of data group ``number`` if present."""
        return self.files.get(dg_fid(number))


def build_document(*, document_number: str = "L898902C3",
                   birth_date: str = "740812", expiry_date: str = "",
                   surname: str = "ERIKSSON", given_names: str = "ANNA MARIA",
                   nationality: str = "UTO", issuing_state: str = "UTO",
                   sex: str = "F", layout: str = "TD3",
                   face_jpeg: bytes | None = None,
                   dg11: dict[int, str] | None = None,
                   aa: object = "ec", pki: TestPKI | None = None,
                   signature: str = "rsa-pkcs1",
                   extended_length: bool = False,
                   response_chaining: bool = False,
                   access: str = "bac", can: str | None = None,
                   pace_options: tuple[PaceOption, ...] | None = None,
                   chip_authentication: str | CardCA | None = None,
                   ca_cipher: str = "AES-128") -> TestDocument:
    """Personalize a test document.

    ``expiry_date`` defaults to five years from today. ``aa`` is ``"rsa"``
    (1024-bit, ISO 9796-2 with SHA-1, the largest whose protected answer
    fits a short APDU), ``"rsa2048"``, ``"ec"`` (P-256, DG14 names
    ecdsa-plain-SHA256), a ready RSA or EC private key, or None. ``dg11``
    maps DG11 tags to text (the full name is always added).

    ``extended_length`` makes a chip that accepts extended-length APDUs,
    ``response_chaining`` one that sends long answers in pieces (61XX and
    GET RESPONSE); either is needed for RSA keys above 1024 bits, whose
    protected signature exceeds 256 bytes. EF.ATR/INFO states the choice.

    ``access`` is "bac" (default), "pace" (PACE only: GET CHALLENGE is
    refused) or "both"; PACE serves EF.CardAccess with ``pace_options``
    (default ECDH-GM AES-128 on brainpoolP256r1) and accepts the MRZ or
    ``can`` (default: a random 6-digit number, kept on the document).
    ``chip_authentication`` is "ec" (P-256), "dh" (RFC 5114 1024-bit) or a
    :class:`~idcard.softcard.ca_card.CardCA`, run with ``ca_cipher``
    ("3DES", "AES-128", ...); its key and infos go into DG14, which EF.SOD
    hashes like every data group.
    """
    if access not in ACCESS_MODES:
        raise ValueError(f"access must be one of {', '.join(ACCESS_MODES)}")
    if not expiry_date:
        expiry = _dt.date.today() + _dt.timedelta(days=5 * 365)
        expiry_date = expiry.strftime("%y%m%d")
    builder = make_td1 if layout == "TD1" else make_td3
    text = builder(document_number=document_number, birth_date=birth_date,
                   expiry_date=expiry_date, surname=surname,
                   given_names=given_names, nationality=nationality,
                   issuing_state=issuing_state, sex=sex)
    mrz = parse_mrz(text)
    pki = pki or generate_pki(signature=signature)
    face = face_jpeg or demo_face_jpeg()
    from PIL import Image

    width, height = Image.open(io.BytesIO(face)).size
    groups = {1: tlv.encode(0x61, tlv.encode(0x5F1F, "".join(mrz.lines)
                                            .encode("ascii"))),
              2: encode_dg2(face, width, height),
              11: _dg11(_names(surname, given_names, 80).rstrip("<"),
                        dg11 or {})}
    aa_key, aa_hash, dg14_infos = None, "sha1", []
    if aa in ("rsa", "rsa2048"):
        aa = rsa.generate_private_key(public_exponent=65537,
                                      key_size=2048 if aa == "rsa2048"
                                      else 1024)
    if aa == "ec":
        aa = ec.generate_private_key(ec.SECP256R1())
    elif isinstance(aa, rsa.RSAPrivateKey):
        if aa.key_size > 1024 and not (extended_length or response_chaining):
            raise ValueError("RSA AA keys above 1024 bits need a chip with "
                             "extended length APDUs or response chaining "
                             "(extended_length=True or "
                             "response_chaining=True)")
        aa_key = aa
    if isinstance(aa, ec.EllipticCurvePrivateKey):
        aa_key, aa_hash = aa, "sha256"
        dg14_infos.append(tlv.encode(
            0x30, tlv.encode_oid(AA_INFO_OID) + tlv.encode(0x02, b"\x01") +
            tlv.encode_oid("0.4.0.127.0.7.1.1.4.1.3")))
    elif aa is not None and aa_key is None:
        raise ValueError("aa must be 'rsa', 'rsa2048', 'ec', a private key "
                         "or None")
    ca = CardCA.generate(chip_authentication, ca_cipher) \
        if isinstance(chip_authentication, str) else chip_authentication
    if ca is not None:
        dg14_infos.extend(ca.security_infos())
    if dg14_infos:
        groups[14] = tlv.encode(0x6E, encode_security_infos(dg14_infos))
    if aa_key is not None:
        groups[15] = tlv.encode(0x6F, aa_key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo))
    com = tlv.encode(0x60, tlv.encode(0x5F01, b"0107") +
                     tlv.encode(0x5F36, b"040000") +
                     tlv.encode(0x5C, bytes(TAG_BY_DG[n] for n in groups)))
    files = {FID_COM: com, FID_SOD: sign_sod(groups, pki)}
    files.update({dg_fid(n): data for n, data in groups.items()})
    atr_info = encode_atr_info(extended_length, EXTENDED_BUFFER,
                               EXTENDED_BUFFER)
    return TestDocument(mrz, files, pki, aa_key, aa_hash, face,
                        extended_length=extended_length,
                        response_chaining=response_chaining,
                        mf_files={FID_ATR_INFO: atr_info}, access=access,
                        can=can if can is not None else random_can(),
                        pace_options=tuple(pace_options or
                                           DEFAULT_PACE_OPTIONS), ca=ca)


__all__ = ["TestPKI", "TestDocument", "generate_pki", "build_document",
           "make_td1", "make_td3", "demo_face_jpeg", "encode_dg2", "sign_sod",
           "sign_cms", "build_master_list", "issue_certificate",
           "mrz_information"]
