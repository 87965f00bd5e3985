"""Template globals and filters."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import get_locale

from registry.core import clock
from registry.core.idnumbers import mask_id_number, mask_name, mask_phone


def china_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a UTC time in China Standard Time."""
    if value is None:
        return ""
    return value.astimezone(clock.CHINA_TZ).strftime(fmt)


def init_templating(app: Flask) -> None:
    """Register filters and globals used across templates."""
    app.jinja_env.filters["china_time"] = china_time
    app.jinja_env.filters["china_date"] = lambda v: china_time(v, "%Y-%m-%d")
    app.jinja_env.globals.update(mask_id_number=mask_id_number, mask_phone=mask_phone, mask_name=mask_name)

    @app.context_processor
    def language_context():
        locale = str(get_locale() or "zh")
        other = "en" if locale == "zh" else "zh"
        args = request.args.to_dict()
        args["lang"] = other
        return {"current_language": locale, "other_language": other,
                "switch_language_url": request.path + "?" + urlencode(args)}
