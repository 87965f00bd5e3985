"""A person's name as on the resident ID card (or passport): what is accepted, in what form it is kept.

Two shapes are accepted, never mixed:

- Chinese characters, 2 to 20 of them counting the separators. Minority and
  foreign names transliterated into Chinese separate their parts with the
  middle dot, kept as U+00B7 (·) as the ID card prints it. Input methods and
  phone keyboards type look-alikes, all accepted and turned into U+00B7:
  U+30FB (・ katakana middle dot) and U+FF65 (its half-width form), U+2027
  (‧ hyphenation point, Taiwan usage), U+2022 (• bullet), U+2219 (∙) and
  U+FF0E (． full-width full stop, what a Chinese input method gives for "."
  in full-width mode). A dot goes between two parts, never first, last or
  twice in a row. Spaces are typing slips here and are dropped. 〇 (U+3007)
  counts as a character: it occurs in names.
- Latin letters (accents allowed) in words separated by single spaces, with
  hyphens and apostrophes inside words (Jean-Luc O'Neil), 2 to 64 characters.
  Full-width letters (ｊｏｈｎ, typed in a Chinese input method's full-width
  mode) are kept as ordinary ones; ’ as '.

Digits, markup and every other symbol are refused, and the message names the
characters that are not allowed.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

MIDDLE_DOT = "\u00b7"
DOT_LOOKALIKES = frozenset("\u00b7\u30fb\uff65\u2027\u2022\u2219\uff0e")
CHINESE_LENGTH = (2, 20)
LATIN_LENGTH = (2, 64)  # the account's name column holds 64
_APOSTROPHES = {"\u2019": "'", "\u02bc": "'"}
_LATIN_SHAPE = re.compile(r"^[^\W\d_]+(?:['-][^\W\d_]+)*(?: [^\W\d_]+(?:['-][^\W\d_]+)*)*$")


class InvalidName(ValueError):
    """The text is not a name as an ID card prints it; the message (request's language) says why."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def _is_han(ch: str) -> bool:
    if ch == "\u3007":
        return True
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def _is_latin(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith("LATIN ")


def _shown(ch: str) -> str:
    """A refused character as the message shows it: invisible ones by their code point."""
    if unicodedata.category(ch)[0] in "CZ" and ch != " ":
        return f"U+{ord(ch):04X}"
    return ch


def _plain(ch: str) -> str:
    """One typed character in the form the rules read: look-alike dots as ·, typographic apostrophes as ',
    full-width ASCII (a Chinese input method in full-width mode: ｊｏｈｎ) as ASCII."""
    if ch in DOT_LOOKALIKES:
        return MIDDLE_DOT
    if 0xFF01 <= ord(ch) <= 0xFF5E:
        return chr(ord(ch) - 0xFEE0)
    return _APOSTROPHES.get(ch, ch)


def normalize_name(raw: str | None) -> str:
    """The name in its kept form, or InvalidName saying what to change."""
    text = "".join(_plain(ch) for ch in unicodedata.normalize("NFC", raw or "")).strip()
    if not text:
        raise InvalidName("empty", _("Enter your name as on your ID card."))
    han = any(_is_han(ch) for ch in text)
    allowed_extra = {MIDDLE_DOT} if han else {"-", "'"}
    refused = list(dict.fromkeys(ch for ch in text if not (ch.isspace() or _is_han(ch) or _is_latin(ch)
                                                           or ch in allowed_extra)))
    if refused:
        chars = " ".join(_shown(ch) for ch in refused)
        if all(unicodedata.category(ch).startswith("N") for ch in refused):
            raise InvalidName("digits", _("A name cannot contain digits (%(chars)s).", chars=chars))
        raise InvalidName("symbols", _(
            "A name cannot contain %(chars)s. Use Chinese characters (with · between the parts of a minority or "
            "foreign name) or Latin letters and spaces.", chars=chars))
    if han:
        if any(_is_latin(ch) for ch in text):
            raise InvalidName("mixed", _("Write the name either in Chinese characters or in Latin letters, "
                                         "not both."))
        text = "".join(ch for ch in text if not ch.isspace())
        if text.startswith(MIDDLE_DOT) or text.endswith(MIDDLE_DOT) or MIDDLE_DOT * 2 in text:
            raise InvalidName("dot", _("The middle dot · goes between two parts of the name."))
        low, high = CHINESE_LENGTH
        if not low <= len(text) <= high:
            raise InvalidName("length", _("A name in Chinese characters has %(min)d to %(max)d characters.",
                                          min=low, max=high))
        return text
    text = " ".join(text.split())
    if not _LATIN_SHAPE.match(text):
        raise InvalidName("hyphen", _("A hyphen or apostrophe goes between two letters of the name."))
    low, high = LATIN_LENGTH
    if not low <= len(text) <= high:
        raise InvalidName("length", _("A name in Latin letters has %(min)d to %(max)d characters.",
                                      min=low, max=high))
    return text
