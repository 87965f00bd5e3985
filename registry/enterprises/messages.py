"""Words of the enterprise pages in the reader's language: what is wrong with a typed credit code."""
from __future__ import annotations

from flask_babel import gettext as _

from registry.enterprises.creditcode import LENGTH, CreditCodeError


def credit_code_problem(error: CreditCodeError) -> str:
    """Which position of a typed credit code is wrong, and how (the importer's reports stay in English)."""
    if error.reason == "length":
        return _("A unified social credit code has %(length)d characters; this one has %(count)d.",
                 length=LENGTH, count=error.found)
    if error.reason == "character":
        return _("Position %(position)d: “%(char)s” does not occur in credit codes (they use digits and capital "
                 "letters except I, O, S, V and Z).", position=error.position, char=error.found)
    return _("The check character (position %(position)d) should be %(expected)s, not %(found)s, if the first "
             "%(before)d characters are right: check each character.", position=error.position,
             expected=error.expected, found=error.found, before=LENGTH - 1)
