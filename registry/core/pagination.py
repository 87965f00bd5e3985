"""Page-by-page listing shared by every domain."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from registry.core.extensions import db


@dataclass
class Page:
    """One page of results with the totals a pager needs."""

    items: list[Any]
    page: int
    pages: int
    total: int
    per_page: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(select: sa.Select, page: int, per_page: int) -> Page:
    """Run a select for one page and count all its rows."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(select.order_by(None).subquery()))
    items = db.session.scalars(select.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), page, max(1, math.ceil(total / per_page)), total, per_page)
