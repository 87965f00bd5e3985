"""Credit-information authorization (授权书): letters, signed consents, receipts."""
from flask import Blueprint

bp = Blueprint("consent", __name__, template_folder="templates")

from consent import views  # noqa: E402,F401
