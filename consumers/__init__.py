"""Households: scanning certificates, asking to view, and viewing under a grant."""
from flask import Blueprint, Flask

bp = Blueprint("consumers", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the blueprint and the personal-center links."""
    from flask_babel import gettext as _

    from registry.web.home import AccountLink, register_account_link

    app.register_blueprint(bp)
    for endpoint, title, roles in (
            ("consumers.scan_page", lambda: _("Scan a certificate"), ("consumer", "worker")),
            ("consumers.my_views", lambda: _("Authorizations received"), ("consumer", "worker")),
            ("consumers.worker_requests", lambda: _("Requests to view my credit information"), ("worker",)),
            ("consumers.worker_grants", lambda: _("Authorizations I gave and who looked"), ("worker",))):
        register_account_link(app, AccountLink(endpoint, title, roles))


from consumers import views, worker_views  # noqa: E402,F401
