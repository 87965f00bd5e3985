"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

Eighteen characters from a 31-symbol alphabet (no I, O, S, V, Z); the last is
a check character over the first seventeen with weights 3^i mod 31.
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


class CreditCodeError(ValueError):
    """A code that is not a valid unified social credit code; `position` is 1-based.

    `reason` is length, character or check; `found` is the length (length) or
    the character at `position`. The message is English, for import reports;
    pages say it in the reader's language (registry/enterprises/messages.py).
    """

    def __init__(self, message: str, position: int | None = None, expected: str | None = None, *,
                 reason: str = "", found: str | int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        self.expected = expected
        self.reason = reason
        self.found = found


def check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    """Upper-case and strip surrounding blanks (people paste codes with spaces)."""
    return (code or "").strip().upper()


def validate(code: str) -> str:
    """Return the normalised code or raise CreditCodeError saying where it is wrong."""
    code = normalize(code)
    if len(code) != LENGTH:
        raise CreditCodeError(f"must be 18 characters, got {len(code)}", reason="length", found=len(code))
    for position, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            raise CreditCodeError(f"character {position} ({ch!r}) is not allowed; "
                                  f"use 0-9 and {ALPHABET[10:]}", position=position, reason="character", found=ch)
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"check character (position 18) should be {expected!r}, not {code[17]!r}",
                              position=18, expected=expected, reason="check", found=code[17])
    return code


def is_valid(code: str) -> bool:
    """True when validate() would accept the code."""
    try:
        validate(code)
    except CreditCodeError:
        return False
    return True


def looks_like_code(text: str) -> bool:
    """Whether a search string could be a credit code (so the exact-code lookup is worth doing)."""
    text = normalize(text)
    return len(text) == LENGTH and all(ch in _VALUE for ch in text)


def looks_like_attempt(text: str) -> bool:
    """Whether search text was meant as a credit code, right or not: 15 to 21 ASCII letters and digits,
    6 or more of them digits (a code's positions 2-8 are digits; names and brands are not like that)."""
    text = normalize(text)
    return (15 <= len(text) <= 21 and text.isascii() and text.isalnum()
            and sum(ch.isdigit() for ch in text) >= 6)


def make_code(first17: str) -> str:
    """Complete 17 characters with their check character (demo data, tests)."""
    return first17 + check_character(first17)
