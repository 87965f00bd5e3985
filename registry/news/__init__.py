"""News, notices and policies (最新动态与政策措施)."""
from flask import Blueprint

bp = Blueprint("news", __name__, template_folder="templates")

from registry.news import views  # noqa: E402,F401
