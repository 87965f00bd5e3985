"""Machine readable zone parsing (ICAO Doc 9303 Parts 3, 5, 6 and 11).

Supports TD1 (3 x 30), TD2 (2 x 36) and TD3 (2 x 44) with every check digit
verified, and builds the MRZ information that Basic Access Control derives
its keys from.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from ..errors import MRZError

_ALLOWED = re.compile(r"^[A-Z0-9<]*$")
_WEIGHTS = (7, 3, 1)


def _char_value(char: str) -> int:
    if "0" <= char <= "9":
        return ord(char) - 48
    if "A" <= char <= "Z":
        return ord(char) - 55
    if char == "<":
        return 0
    raise MRZError(f"character {char!r} is not allowed in an MRZ")


def check_digit(text: str) -> str:
    """Return the Doc 9303 Part 3 check digit (7-3-1 weighting) of ``text``."""
    total = sum(_char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(text))
    return str(total % 10)


def _verify(name: str, text: str, digit: str, errors: list[str],
            filler_ok: bool = False) -> None:
    # Optional-data fields that are entirely fillers may carry '<' as check
    # digit (Part 4, 4.2.2.2); everywhere else the digit must match.
    if filler_ok and digit == "<" and set(text) <= {"<"}:
        return
    if digit != check_digit(text):
        errors.append(name)


def _parse_date(text: str, what: str) -> tuple[int, int, int]:
    if not text.isdigit() or len(text) != 6:
        raise MRZError(f"{what} {text!r} is not YYMMDD")
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:6])
    if not 1 <= mm <= 12 or not 1 <= dd <= 31:
        raise MRZError(f"{what} {text!r} is not a valid date")
    return yy, mm, dd


def birth_date_from_yymmdd(text: str, today: _dt.date | None = None) -> _dt.date:
    """Expand a YYMMDD birth date: a year in the future means the 1900s."""
    yy, mm, dd = _parse_date(text, "birth date")
    today = today or _dt.date.today()
    year = 2000 + yy
    if year > today.year:
        year -= 100
    try:
        return _dt.date(year, mm, dd)
    except ValueError as exc:
        raise MRZError(f"birth date {text!r} does not exist") from exc


def expiry_date_from_yymmdd(text: str) -> _dt.date:
    """Expand a YYMMDD expiry date (documents expire in 1970..2069)."""
    yy, mm, dd = _parse_date(text, "expiry date")
    year = 2000 + yy if yy < 70 else 1900 + yy
    try:
        return _dt.date(year, mm, dd)
    except ValueError as exc:
        raise MRZError(f"expiry date {text!r} does not exist") from exc


def _words(text: str) -> str:
    return " ".join(part for part in text.split("<") if part)


def _name(field_text: str) -> tuple[str, str]:
    primary, _, secondary = field_text.partition("<<")
    return _words(primary), _words(secondary)


@dataclass(frozen=True)
class MRZ:
    """A parsed and check-digit-verified machine readable zone."""

    document_type: str
    document_code: str
    issuing_state: str
    document_number: str
    birth_date: str
    sex: str
    expiry_date: str
    nationality: str
    primary_identifier: str
    secondary_identifier: str
    optional_data: str
    optional_data_2: str = ""
    lines: tuple[str, ...] = field(default=(), repr=False)

    @property
    def name(self) -> str:
        """Full name as printed: secondary identifier then primary."""
        return " ".join(p for p in (self.secondary_identifier,
                                    self.primary_identifier) if p)

    def birth(self, today: _dt.date | None = None) -> _dt.date:
        """Birth date as a :class:`datetime.date`."""
        return birth_date_from_yymmdd(self.birth_date, today)

    def expiry(self) -> _dt.date:
        """Expiry date as a :class:`datetime.date`."""
        return expiry_date_from_yymmdd(self.expiry_date)

    @property
    def mrz_information(self) -> str:
        """Key seed input for BAC (document number, birth, expiry + digits)."""
        return mrz_information(self.document_number, self.birth_date,
                               self.expiry_date)


def _split_lines(text: str) -> list[str]:
    if not isinstance(text, str):
        raise MRZError("MRZ must be text")
    if len(text) > 200:
        raise MRZError("MRZ text is too long")
    lines = [ln.strip() for ln in text.replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    if len(lines) == 1 and len(lines[0]) in (90, 72, 88):
        # A single concatenated string, as stored in DG1.
        flat = lines[0]
        width = {90: 30, 72: 36, 88: 44}[len(flat)]
        lines = [flat[i:i + width] for i in range(0, len(flat), width)]
    for line in lines:
        if not _ALLOWED.match(line):
            raise MRZError("MRZ contains characters outside A-Z, 0-9 and '<'")
    return lines


def _long_number(number_field: str, digit: str, optional: str
                 ) -> tuple[str, str, str]:
    """Resolve a document number longer than 9 characters (TD1/TD2).

    Part 5, note j: the number check digit position holds '<' and the rest of
    the number continues in the optional data, followed by its check digit.
    Returns (number, check digit, remaining optional data).
    """
    if digit != "<":
        return number_field.rstrip("<"), digit, optional
    tail = optional.split("<", 1)[0]
    if len(tail) < 2:
        raise MRZError("document number overflow has no check digit")
    return number_field + tail[:-1], tail[-1], optional[len(tail):]


def parse_mrz(text: str) -> MRZ:
    """Parse a TD1, TD2 or TD3 MRZ and verify every check digit.

    Raises :class:`MRZError` naming the failed check digit(s).
    """
    lines = _split_lines(text)
    shape = tuple(len(line) for line in lines)
    errors: list[str] = []
    if shape == (30, 30, 30):
        l1, l2, l3 = lines
        number, digit, opt1 = _long_number(l1[5:14], l1[14], l1[15:30])
        _verify("document number", number if len(number) > 9 else l1[5:14],
                digit, errors)
        composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
        primary, secondary = _name(l3)
        kind, opt2, dob, sex, exp, nat = ("TD1", l2[18:29], l2[0:6], l2[7],
                                          l2[8:14], l2[15:18])
        dob_digit, exp_digit, comp_digit = l2[6], l2[14], l2[29]
        code, state = l1[0:2], l1[2:5]
    elif shape in ((36, 36), (44, 44)):
        l1, l2 = lines
        wide = shape == (44, 44)
        primary, secondary = _name(l1[5:])
        if wide:
            number, digit, opt1 = l2[0:9].rstrip("<"), l2[9], l2[28:42]
            _verify("document number", l2[0:9], digit, errors)
            _verify("optional data", l2[28:42], l2[42], errors, filler_ok=True)
            composite, comp_digit = l2[0:10] + l2[13:20] + l2[21:43], l2[43]
        else:
            number, digit, opt1 = _long_number(l2[0:9], l2[9], l2[28:35])
            _verify("document number", number if len(number) > 9 else l2[0:9],
                    digit, errors)
            composite, comp_digit = l2[0:10] + l2[13:20] + l2[21:35], l2[35]
        kind, opt2, dob, sex, exp, nat = ("TD3" if wide else "TD2", "",
                                          l2[13:19], l2[20], l2[21:27],
                                          l2[10:13])
        dob_digit, exp_digit = l2[19], l2[27]
        code, state = l1[0:2], l1[2:5]
    else:
        raise MRZError(f"unsupported MRZ layout with line lengths {shape}")
    _verify("birth date", dob, dob_digit, errors)
    _verify("expiry date", exp, exp_digit, errors)
    _verify("composite", composite, comp_digit, errors)
    if errors:
        raise MRZError("wrong MRZ check digit: " + ", ".join(errors))
    birth_date_from_yymmdd(dob)
    expiry_date_from_yymmdd(exp)
    if sex not in ("M", "F", "<", "X"):
        raise MRZError(f"sex field {sex!r} is not M, F, X or <")
    if not number:
        raise MRZError("empty document number")
    return MRZ(kind, code.rstrip("<"), state.rstrip("<"), number, dob, sex,
               exp, nat.rstrip("<"), primary, secondary, opt1.rstrip("<"),
               opt2.rstrip("<"), tuple(lines))


def mrz_information(document_number: str, birth_date: str,
                    expiry_date: str) -> str:
    """Build the BAC MRZ information from the three printed fields.

    Document numbers shorter than 9 characters are padded with '<'; longer
    ones are used in full with the check digit over the full number (Doc 9303
    Part 11, 9.7.2 and the TD1 overflow rule of Part 5).
    """
    number = (document_number or "").strip().upper().replace(" ", "")
    if not number or not _ALLOWED.match(number) or len(number) > 22:
        raise MRZError("document number must be 1..22 characters A-Z, 0-9, <")
    for value, what in ((birth_date, "birth date"), (expiry_date, "expiry date")):
        _parse_date(value, what)
    if len(number) < 9:
        number = number.ljust(9, "<")
    return (number + check_digit(number) + birth_date + check_digit(birth_date)
            + expiry_date + check_digit(expiry_date))
