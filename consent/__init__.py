"""Credit-information authorization (授权书): letters, signed consents, receipts, per-view grants."""
from flask import Blueprint, Flask

bp = Blueprint("consent", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the blueprint, the personal-center link and the demo letter."""
    from flask_babel import gettext as _

    from consent.demo import seed_demo_letter
    from registry.web.demo import register_demo_seeder
    from registry.web.home import AccountLink, register_account_link

    app.register_blueprint(bp)
    register_account_link(app, AccountLink("consent.my_consents", lambda: _("My authorizations"), ("worker",)))
    register_account_link(app, AccountLink("consent.admin_letters", lambda: _("Authorization letter versions"),
                                           ("admin",)))
    register_demo_seeder(app, seed_demo_letter)


from consent import views  # noqa: E402,F401
