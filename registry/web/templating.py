"""Template globals and filters."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import Flask, request, session
from flask_babel import get_locale

from registry.core import clock
from registry.core.idnumbers import mask_id_number, mask_name, mask_phone
from registry.web.words import join_words, money_yuan, reading_chinese

# How people read a moment and a day, per language (China Standard Time either way).
TIME_FORMATS = {"zh": "{d.year}年{d.month}月{d.day}日 {d:%H:%M}", "en": "{d.day} {d:%b} {d.year}, {d:%H:%M}"}
DATE_FORMATS = {"zh": "{d.year}年{d.month}月{d.day}日", "en": "{d.day} {d:%b} {d.year}"}


def china_time(value: dt.datetime | None, fmt: str | None = None) -> str:
    """A UTC time in China Standard Time, as a person of the reader's language writes it (`fmt` overrides)."""
    if value is None:
        return ""
    local = value.astimezone(clock.CHINA_TZ)
    return local.strftime(fmt) if fmt else TIME_FORMATS["zh" if reading_chinese() else "en"].format(d=local)


def china_date(value: dt.datetime | dt.date | None) -> str:
    """The day of a time (in China Standard Time) or a date, as the reader's language writes it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(clock.CHINA_TZ).date()
    return DATE_FORMATS["zh" if reading_chinese() else "en"].format(d=value)


def init_templating(app: Flask) -> None:
    """Register filters and globals used across templates."""
    app.jinja_env.filters["china_time"] = china_time
    app.jinja_env.filters["china_date"] = china_date
    app.jinja_env.filters["words"] = join_words  # a list in the reader's language (、 or ", ")
    app.jinja_env.filters["yuan"] = money_yuan  # whole yuan: 500万元 / CNY 5,000,000
    app.jinja_env.globals.update(mask_id_number=mask_id_number, mask_phone=mask_phone, mask_name=mask_name)

    @app.context_processor
    def language_context():
        locale = str(get_locale() or "zh")
        other = "en" if locale == "zh" else "zh"
        args = request.args.to_dict()
        care = bool(session.get("care"))
        return {"current_language": locale, "other_language": other,
                "switch_language_url": request.path + "?" + urlencode({**args, "lang": other}),
                "care_mode": care, "care_mode_url": request.path + "?" + urlencode({**args, "care": "0" if care else "1"})}
