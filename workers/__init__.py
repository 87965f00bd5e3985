"""Domestic workers (家政服务员): registration (enterprises, identity, authorization),
profile, monthly check-in and departure, and the QR credit certificate."""
from flask import Blueprint, Flask

bp = Blueprint("workers", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the blueprint and the home-page entry (the CLI group is workers.cli.workers_cli)."""
    from flask_babel import gettext as _

    from registry.web.home import AccountLink, HomeEntry, register_account_link, register_home_entry

    from registry.enterprises.services import count_active_workers_with
    from workers.services import count_active_affiliated

    app.register_blueprint(bp)
    count_active_workers_with(count_active_affiliated)
    register_home_entry(app, HomeEntry(key="workers", endpoint="workers.home",
                                       title=lambda: _("Worker services"),
                                       subtitle=lambda: _("Profile, check-in and your enterprises")))
    register_home_entry(app, HomeEntry(key="enterprise-roster", endpoint="workers.roster_page",
                                       title=lambda: _("Enterprise workers"),
                                       subtitle=lambda: _("For enterprise staff: confirm workers, see check-ins")))
    register_account_link(app, AccountLink("workers.home", lambda: _("Worker services"), ("worker",)))
    register_account_link(app, AccountLink("workers.review_queue", lambda: _("Identity reviews"), ("admin",)))
    register_account_link(app, AccountLink("workers.certificate_page", lambda: _("Credit certificate"), ("worker",)))


from workers import authorization, services, views  # (routes, CLI commands and hooks register on import)
from workers.certificates import views as certificate_views
from workers.roster import views as enterprise_views
from workers.identity import cli as identity_cli, views as identity_views
from workers.profile import views as profile_views
