"""Accounts: registration, SMS codes, login, personal center, deletion."""
from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")

from registry.accounts import views, api  # noqa: E402,F401  (routes register on import)
