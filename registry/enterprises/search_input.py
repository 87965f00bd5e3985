"""What is searched: the normalised text of names, brands and queries, and queries refused outright.

Split from search.py (which re-exports these names) so that the loader's
worker processes and the services need not import the query planner.
"""
from __future__ import annotations

import re

from registry.core.errors import DomainError
from registry.enterprises import creditcode, messages
from registry.enterprises.models import FIELD_SEPARATOR

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """The form names, brands and queries are compared in: lower case, single spaces."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text or "")).strip().lower()


def search_fields(name: str, brands: list[str]) -> tuple[str, str]:
    """search_text and search_grams for a name and its brands."""
    texts = [normalize_text(name)] + [normalize_text(b) for b in brands]
    grams: set[str] = set()
    for text in texts:
        for i in range(len(text) - 1):
            gram = text[i:i + 2]
            if gram.isalnum():
                grams.add(gram)
    return FIELD_SEPARATOR + FIELD_SEPARATOR.join(texts) + FIELD_SEPARATOR, " ".join(sorted(grams))


class QueryTooShort(DomainError):
    status = 422
    code = "query_too_short"


class MistypedCode(DomainError):
    """A credit code that cannot be right: the message names the wrong position (fields name the parameter)."""

    status = 422
    code = "credit_code_invalid"


def check_typed_code(text: str, field: str, *, always: bool = False) -> None:
    """Refuse a typed credit code that fails its own check, saying where.

    Search text is taken for a code only when it looks like one
    (creditcode.looks_like_attempt); `always` checks whatever was given (the
    exact-code parameter).
    """
    if not text or not (always or creditcode.looks_like_attempt(text)):
        return
    try:
        creditcode.validate(text)
    except creditcode.CreditCodeError as exc:
        message = messages.credit_code_problem(exc)
        raise MistypedCode(message, fields={field: [message]}) from None
