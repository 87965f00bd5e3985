"""Chinese resident identity card records (居民身份证) from SAM readers.

Certified desk readers decode the card through their security module (SAM)
and hand over a fixed 256-byte text record in UCS-2 little endian plus a
1024-byte WLT photo. The photo stays as delivered: decoding WLT needs the
vendor's library. A SAM read proves the card data, not the holder's face.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from .errors import ResidentIdError

RECORD_SIZE = 256
WLT_MAX_SIZE = 1024
LONG_TERM = "长期"

#: (name, width in UCS-2 characters) in record order; 128 characters total.
LAYOUT = (("name", 15), ("sex", 1), ("ethnicity", 2), ("birth_date", 8),
          ("address", 35), ("id_number", 18), ("issuing_authority", 15),
          ("valid_from", 8), ("valid_until", 8), ("reserved", 18))

SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

#: GB/T 3304 ethnicity codes, as printed on the card.
ETHNICITIES = dict(zip(
    [f"{i:02d}" for i in range(1, 57)] + ["97", "98"],
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 "
    "傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 "
    "毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 其他 外国血统".split()))

_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ResidentIdError("the first 17 ID number characters must be "
                              "digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return "10X98765432"[total % 11]


def _date(text: str, what: str) -> _dt.date:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise ResidentIdError(f"{what} {text!r} is not YYYYMMDD")
    try:
        return _dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise ResidentIdError(f"{what} {text!r} is not a date") from exc


def validate_id_number(id_number: str) -> None:
    """Check the format, birth date and check digit of an 18-digit number."""
    if len(id_number) != 18:
        raise ResidentIdError("ID number must have 18 characters")
    expected = id_check_digit(id_number[:17])
    if id_number[17] != expected:
        raise ResidentIdError(f"ID number check digit is {id_number[17]!r}, "
                              f"expected {expected!r}")
    _date(id_number[6:14], "birth date in ID number")


@dataclass(frozen=True)
class ResidentIdRecord:
    """A decoded and cross-checked resident ID card record."""

    name: str
    sex_code: str
    ethnicity_code: str
    birth_date: _dt.date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: _dt.date
    valid_until: _dt.date | None  # None means 长期 (long-term)
    wlt_photo: bytes | None = field(default=None, repr=False)

    @property
    def sex(self) -> str:
        """Sex as printed (男/女)."""
        return SEXES[self.sex_code]

    @property
    def ethnicity(self) -> str:
        """Ethnicity as printed (e.g. 汉)."""
        return ETHNICITIES[self.ethnicity_code]

    @property
    def long_term(self) -> bool:
        """True when the card never expires (有效期限 长期)."""
        return self.valid_until is None

    def expired(self, today: _dt.date | None = None) -> bool:
        """True when the validity period ended before ``today``."""
        today = today or _dt.date.today()
        return self.valid_until is not None and self.valid_until < today


def _fields(record: bytes) -> dict[str, str]:
    try:
        text = record.decode("utf-16-le")
    except UnicodeDecodeError as exc:
        raise ResidentIdError("record is not valid UCS-2") from exc
    if len(text) != RECORD_SIZE // 2:
        # Only possible with surrogate pairs, which UCS-2 does not have.
        raise ResidentIdError("record holds characters outside UCS-2")
    out, pos = {}, 0
    for name, width in LAYOUT:
        out[name] = text[pos:pos + width].rstrip(" \x00")
        pos += width
    return out


def parse_resident_record(record: bytes, wlt_photo: bytes | None = None
                          ) -> ResidentIdRecord:
    """Parse and cross-check the 256-byte text record from a SAM reader.

    Raises :class:`ResidentIdError` naming the first inconsistency.
    """
    record = bytes(record)
    if len(record) != RECORD_SIZE:
        raise ResidentIdError(f"record must be {RECORD_SIZE} bytes, got "
                              f"{len(record)}")
    if wlt_photo is not None and not 0 < len(wlt_photo) <= WLT_MAX_SIZE:
        raise ResidentIdError(f"WLT photo must be 1..{WLT_MAX_SIZE} bytes")
    f = _fields(record)
    if f["reserved"][-1:] in ("I", "J"):
        raise ResidentIdError("foreigner or HK/Macao/Taiwan permit records "
                              "are not supported")
    if not f["name"]:
        raise ResidentIdError("name is empty")
    if f["sex"] not in SEXES:
        raise ResidentIdError(f"sex code {f['sex']!r} is unknown")
    if f["ethnicity"] not in ETHNICITIES:
        raise ResidentIdError(f"ethnicity code {f['ethnicity']!r} is unknown")
    birth = _date(f["birth_date"], "birth date")
    number = f["id_number"]
    validate_id_number(number)
    if number[6:14] != f["birth_date"]:
        raise ResidentIdError("birth date does not match the ID number")
    if f["sex"] in ("1", "2") and int(number[16]) % 2 != int(f["sex"]) % 2:
        raise ResidentIdError("sex does not match the ID number")
    start = _date(f["valid_from"], "validity start")
    if f["valid_until"] == LONG_TERM:
        end = None
    else:
        end = _date(f["valid_until"], "validity end")
        if end <= start:
            raise ResidentIdError("validity ends before it starts")
    return ResidentIdRecord(f["name"], f["sex"], f["ethnicity"], birth,
                            f["address"], number, f["issuing_authority"],
                            start, end,
                            None if wlt_photo is None else bytes(wlt_photo))


def build_resident_record(*, name: str, sex_code: str, ethnicity_code: str,
                          birth_date: str, address: str, id_number: str,
                          issuing_authority: str, valid_from: str,
                          valid_until: str) -> bytes:
    """Encode a record the way SAM readers deliver it (for tests, demos)."""
    values = dict(name=name, sex=sex_code, ethnicity=ethnicity_code,
                  birth_date=birth_date, address=address, id_number=id_number,
                  issuing_authority=issuing_authority, valid_from=valid_from,
                  valid_until=valid_until, reserved="")
    text = ""
    for key, width in LAYOUT:
        if len(values[key]) > width:
            raise ResidentIdError(f"{key} longer than {width} characters")
        text += values[key].ljust(width)
    return text.encode("utf-16-le")
