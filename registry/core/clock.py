"""One place that says what time it is, so tests can move the clock."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

# Business days (SMS daily caps, the 30-day departure rule) are China Standard Time days.
CHINA_TZ = ZoneInfo("Asia/Shanghai")

_offset = dt.timedelta(0)


def now() -> dt.datetime:
    """Aware UTC now, shifted by any offset a test has set."""
    return dt.datetime.now(dt.UTC) + _offset


def china_today() -> dt.date:
    """Today's date in China Standard Time."""
    return now().astimezone(CHINA_TZ).date()


def set_offset(offset: dt.timedelta) -> None:
    """Move the clock (tests and demos only)."""
    global _offset
    _offset = offset


def get_offset() -> dt.timedelta:
    """The current test offset."""
    return _offset
