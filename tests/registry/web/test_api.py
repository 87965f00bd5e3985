"""The API boundary: OpenAPI document, docs page and the one error shape."""
from __future__ import annotations

import pytest

from tests.factories.accounts import make_account
from tests.factories.http import log_in


def test_openapi_document_lists_operations_with_schemas(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "/api/v1/accounts" in paths and "/api/v1/articles/{article_id}" in paths
    register = paths["/api/v1/accounts"]["post"]
    body = register["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"role", "name", "id_number", "phone", "code"}
    assert body["properties"]["role"]["enum"] == ["worker", "consumer"]
    detail = paths["/api/v1/articles/{article_id}"]["get"]
    assert detail["parameters"][0] == {"name": "article_id", "in": "path", "required": True,
                                       "schema": {"type": "integer"}}
    assert "4XX" in register["responses"]


def test_docs_page(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/sms/codes" in page


@pytest.mark.parametrize("method, path, status, code", [
    ("get", "/api/v1/nothing-here", 404, "not_found"),
    ("put", "/api/v1/articles", 405, "method_not_allowed"),
    ("get", "/api/v1/articles/abc", 404, "not_found"),
])
def test_errors_are_json(client, method, path, status, code):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.get_json() == {"code": code, "message": response.get_json()["message"], "fields": {}}


def test_page_errors_are_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面或记录不存在" in response.get_data(as_text=True)


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_admin_index_lists_every_domains_tools(client, db_session):
    assert client.get("/admin").status_code == 302
    log_in(client, make_account(role="consumer"))
    assert client.get("/admin").status_code == 403
    admin = client.application.test_client()
    log_in(admin, make_account(role="admin", name="运营"))
    page = admin.get("/admin").get_data(as_text=True)
    for path in ("/admin/news", "/admin/enterprises", "/admin/identity/reviews", "/admin/consent/letters"):
        assert f'href="{path}"' in page
