"""Lists and amounts as the reader's language writes them (pages, exports)."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _


def reading_chinese() -> bool:
    """Whether the reader reads Chinese (outside a request: yes, the platform's language)."""
    try:
        locale = get_locale()
    except RuntimeError:  # outside an app: the platform's language
        return True
    return locale is None or locale.language == "zh"


def list_separator() -> str:
    """、 between Chinese items, a comma and a space between English ones."""
    return "、" if reading_chinese() else ", "


def join_words(items: Iterable) -> str:
    """A list of words: 月嫂、育儿嫂 in Chinese, "Maternity nurse, Childcare" in English."""
    return list_separator().join(str(item) for item in items)


def money_yuan(yuan: int | None) -> str:
    """Whole yuan: 500万元 in Chinese (registers count in 万), CNY 5,000,000 in English."""
    if yuan is None:
        return ""
    if reading_chinese():
        return _("%(amount)s ten thousand yuan", amount=format((Decimal(yuan) / 10_000).normalize(), "f"))
    return _("CNY %(amount)s", amount=f"{yuan:,}")
