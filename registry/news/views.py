"""News pages, admin editing and the articles API."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.accounts.models import Role
from registry.core.errors import DomainError
from registry.news import services
from registry.news.markdown import render_markdown
from registry.news.schemas import KINDS, ArticleInputSchema, ArticlePageSchema, ArticleQuerySchema, ArticleSchema
from registry.web.api import dump, load_query, operation
from registry.web.caching import public_page
from registry.web.helpers import flash_success, parse_form, roles_required

bp = Blueprint("news", __name__, template_folder="templates")


def _query_args() -> dict:
    try:
        return load_query(ArticleQuerySchema)
    except DomainError:
        return {"page": 1}


@bp.get("/news")
@public_page(versions=(services.VERSION,))
def article_list():
    """Public list, newest first, filterable by kind."""
    args = _query_args()
    page = services.list_published(args.get("kind"), args["page"], current_app.config["PAGE_SIZE"])
    return render_template("news/list.html", page=page, kind=args.get("kind"), kinds=KINDS)


@bp.get("/news/<int:article_id>")
@public_page(versions=(services.VERSION,))
def article_detail(article_id: int):
    """One published article."""
    article = services.get_published(article_id)
    return render_template("news/detail.html", article=article, body_html=render_markdown(article.body))


@bp.get("/api/v1/articles")
@operation("Published news, notices and policies, newest first", query=ArticleQuerySchema,
           response=ArticlePageSchema, tags=("news",))
@public_page(versions=(services.VERSION,))
def api_article_list():
    args = load_query(ArticleQuerySchema)
    page = services.list_published(args.get("kind"), args["page"], current_app.config["PAGE_SIZE"])
    return dump(ArticlePageSchema, page)


@bp.get("/api/v1/articles/<int:article_id>")
@operation("One published article with its body rendered to safe HTML", response=ArticleSchema, tags=("news",))
@public_page(versions=(services.VERSION,))
def api_article_detail(article_id: int):
    return dump(ArticleSchema, services.get_published(article_id))


# --- admin -------------------------------------------------------------------

@bp.get("/admin/news")
@roles_required(Role.ADMIN.value)
def admin_list():
    """Every article with its state."""
    page = services.list_all(max(1, request.args.get("page", 1, type=int) or 1), current_app.config["PAGE_SIZE"])
    return render_template("news/admin_list.html", page=page)


@bp.route("/admin/news/new", methods=["GET", "POST"])
@bp.route("/admin/news/<int:article_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN.value)
def admin_edit(article_id: int | None = None):
    """Create or edit an article."""
    article = services.get_any(article_id) if article_id else None
    errors: dict = {}
    form = request.form if request.method == "POST" else {
        "kind": article.kind if article else "news",
        "title": article.title if article else "",
        "body": article.body if article else "",
        "source": (article.source or "") if article else "",
        "publish": "y" if (article is None or article.published_at) else "",
    }
    if request.method == "POST":
        data, errors = parse_form(ArticleInputSchema())
        if not errors:
            saved = services.save_article(article, kind=data["kind"], title=data["title"].strip(),
                                          body=data["body"], source=(data["source"] or "").strip() or None,
                                          publish=data["publish"], actor_id=current_user.id)
            flash_success(_("The article has been saved."))
            return redirect(url_for("news.admin_edit", article_id=saved.id))
    status = 422 if errors else 200
    return render_template("news/admin_edit.html", article=article, form=form, errors=errors,
                           kinds=KINDS), status


@bp.post("/admin/news/<int:article_id>/unpublish")
@roles_required(Role.ADMIN.value)
def admin_unpublish(article_id: int):
    """Take an article off the public pages."""
    services.unpublish(services.get_any(article_id), current_user.id)
    flash_success(_("The article is no longer public."))
    return redirect(url_for("news.admin_list"))
