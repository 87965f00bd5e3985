"""API boundary of news."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.news.markdown import render_markdown
from registry.news.models import ArticleKind

KINDS = [k.value for k in ArticleKind]


class ArticleQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))


class ArticleInputSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=100_000))
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    publish = fields.Boolean(load_default=True)


class ArticleSummarySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    source = fields.String(allow_none=True)
    published_at = fields.DateTime()


class ArticleSchema(ArticleSummarySchema):
    body = fields.String()
    body_html = fields.Function(lambda a: str(render_markdown(a.body)))


class ArticlePageSchema(Schema):
    items = fields.List(fields.Nested(ArticleSummarySchema))
    page = fields.Integer()
    pages = fields.Integer()
    total = fields.Integer()
