"""Resident ID numbers (GB 11643-1999) and mainland mobile numbers: checks and masking."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _

from registry.core import clock

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# Province-level codes of GB/T 2260, plus 81/82/83 used by the residence permits
# of Hong Kong, Macao and Taiwan residents living on the mainland.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 81 82 83".split()
)
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_PHONE_SHAPE = re.compile(r"^1[3-9]\d{9}$")


class InvalidIdNumber(ValueError):
    """The text is not a valid mainland resident ID number.

    `reason` is one of shape, region, date, impossible_date, check_digit;
    the message is in the request's language.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(_ID_MESSAGES[reason]())


class InvalidPhone(ValueError):
    """The text is not a mainland mobile number."""

    def __init__(self):
        super().__init__(_("Enter an 11-digit mainland mobile number starting with 13 to 19."))


_ID_MESSAGES = {
    "shape": lambda: _("The ID number must have 18 characters: 17 digits and a final digit or X."),
    "region": lambda: _("The region code at the start of the ID number is not valid."),
    "date": lambda: _("The birth date inside the ID number is not a real date."),
    "impossible_date": lambda: _("The birth date inside the ID number is not possible."),
    "check_digit": lambda: _("The check digit of the ID number is wrong; please check every digit."),
}


def id_check_char(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def normalize_id_number(raw: str, today: dt.date | None = None) -> str:
    """Validate and return the canonical ID number (upper-case X).

    Raises InvalidIdNumber with a message a person can act on.
    """
    value = (raw or "").strip().upper()
    if not _ID_SHAPE.match(value):
        raise InvalidIdNumber("shape")
    if value[:2] not in PROVINCE_CODES or value[2:6] == "0000":
        raise InvalidIdNumber("region")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber("date") from None
    today = today or clock.china_today()
    if birth > today or birth.year < 1900:
        raise InvalidIdNumber("impossible_date")
    expected = id_check_char(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber("check_digit")
    return value


def birth_date_of(id_number: str) -> dt.date:
    """Birth date encoded in a valid ID number."""
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def age_in_full_years(birth: dt.date, today: dt.date) -> int:
    """Full years (周岁) reached on `today`.

    As Chinese law counts them (民法典 arts. 201-202; the Supreme People's
    Court counts 周岁 "from the day after the birthday"): an age is reached the
    day after the birthday, so a person born on 10 May 2010 is 16 from 11 May
    2026. Born on 29 February: in other years the birthday is 28 February.
    """
    try:
        birthday = birth.replace(year=today.year)
    except ValueError:  # 29 February in a common year
        birthday = dt.date(today.year, 2, 28)
    years = today.year - birth.year
    return years - 1 if today <= birthday else years


def normalize_phone(raw: str) -> str:
    """Validate a mainland mobile number (optionally +86 / 86 prefixed) and return 11 digits."""
    value = re.sub(r"[\s-]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif len(value) == 13 and value.startswith("86"):
        value = value[2:]
    if not _PHONE_SHAPE.match(value):
        raise InvalidPhone()
    return value


def mask_id_number(value: str | None) -> str:
    """110105********002X: region and last four visible."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张*明 style: first character and, for longer names, the last one."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
