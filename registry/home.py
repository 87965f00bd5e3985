"""The home page with the app's main entries."""
from __future__ import annotations

from flask import Blueprint, render_template

from registry.news import services as news

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """首页: latest news and the entries of the app."""
    latest = news.list_published(None, 1, 5)
    return render_template("home.html", latest=latest.items)


@bp.get("/healthz")
def health():
    """Liveness probe for load balancers."""
    return {"status": "ok"}
