"""Records as people read them: blocks of labelled facts or tables, every value already in words.

Pages, the API's display fields and the data export all show records through these shapes, so a
date, a yes/no or a list reads the same everywhere (China Standard Time, the reader's language).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from flask_babel import gettext as _

from registry.web.templating import china_date, china_time
from registry.web.words import join_words

NOTHING = "—"


@dataclass(frozen=True)
class Facts:
    """One record shown as label and value pairs."""

    title: str
    items: list[tuple[str, str]]
    note: str = ""


@dataclass(frozen=True)
class Table:
    """Several records of one kind, one row each (empty: the page says there are none)."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


def as_json(block: Facts | Table) -> dict:
    """A block for the API: {"title", "items": [[label, value]]} or {"title", "columns", "rows"}."""
    return asdict(block)


def moment(value: dt.datetime | str | None) -> str:
    """A time (or its ISO text) in China Standard Time, as the reader's language writes it."""
    if not value:
        return NOTHING
    return china_time(dt.datetime.fromisoformat(value) if isinstance(value, str) else value)


def day(value: dt.date | dt.datetime | str | None) -> str:
    """A date (or its ISO text), as the reader's language writes it."""
    if not value:
        return NOTHING
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    return china_date(value)


def yes_no(value: bool | None) -> str:
    return _("Yes") if value else _("No")


def joined(items) -> str:
    """A list as the reader's language writes one (、 in Chinese, commas in English); none as a dash."""
    items = [str(item) for item in items or [] if item not in (None, "")]
    return join_words(items) if items else NOTHING


def text(value) -> str:
    """Free text or a number as it is; a list joined; nothing as a dash."""
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, list):
        return joined(value)
    return str(value)
