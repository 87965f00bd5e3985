"""Enterprise credit registry (企业信用查询): profiles, credit records, search, import."""
from flask import Blueprint, Flask

bp = Blueprint("enterprises", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/enterprises")


def init_app(app: Flask) -> None:
    """Register the blueprint and the home-page entry (the CLI group is registry.enterprises.cli)."""
    from flask_babel import gettext as _

    from registry.web.home import AccountLink, HomeEntry, register_account_link, register_home_entry

    app.register_blueprint(bp)
    register_home_entry(app, HomeEntry(key="enterprises", endpoint="enterprises.search_page",
                                       title=lambda: _("Enterprise credit"),
                                       subtitle=lambda: _("Query by region, credit code, name or brand")))
    register_account_link(app, AccountLink("enterprises.admin_list", lambda: _("Enterprise credit records"),
                                           ("admin",)))


from registry.enterprises import admin, views  # noqa: E402,F401
