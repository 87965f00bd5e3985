"""The API boundary: OpenAPI document, docs page and the one error shape."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from registry.app import create_app
from registry.web.api import localize_messages
from tests.factories.accounts import make_account
from tests.factories.app import app_settings
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
                                       "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}
    # Each refusal the operation can give is listed with the error shape; nothing is lumped into "4XX".
    assert set(register["responses"]) == {"201", "400", "403", "409", "413", "415", "422", "429"}
    assert register["responses"]["409"]["content"]["application/json"]["schema"]["required"] == \
        ["code", "message", "fields"]
    assert "Retry-After" in register["responses"]["429"]["headers"]


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


def test_ready_when_migrated_and_keyed(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready",
                                   "checks": {"database": True, "migrations": True, "signing_keys": True,
                                              "queue": True}}


@pytest.mark.own_app
def test_not_ready_on_an_unmigrated_database(tmp_path):
    app = create_app(app_settings("sqlite:///" + str(tmp_path / "empty.sqlite"), str(tmp_path)),
                     instance_path=str(tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": True, "migrations": False, "signing_keys": False,
                                             "queue": True}


def test_admin_index_lists_every_domains_tools(client, db_session):
    assert client.get("/admin").status_code == 302
    log_in(client, make_account(role="consumer"))
    assert client.get("/admin").status_code == 403
    admin = client.application.test_client()
    log_in(admin, make_account(role="admin", name="运营"))
    page = admin.get("/admin").get_data(as_text=True)
    for path in ("/admin/news", "/admin/enterprises", "/admin/identity/reviews", "/admin/consent/letters",
                 "/admin/jobs"):
        assert f'href="{path}"' in page


@pytest.mark.parametrize("path", ["/news/2147483648", "/api/v1/articles/2147483648",
                                  "/news/9223372036854775808", "/api/v1/articles/9223372036854775808",
                                  "/news/99999999999999999999999999"])
def test_an_id_beyond_the_database_range_is_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.get_json()["code"] == "not_found"


def test_the_largest_database_id_is_still_looked_up(client):
    assert client.get("/api/v1/articles/2147483647").status_code == 404


def test_no_route_answers_500_for_an_id_beyond_the_database_range(app, client):
    huge = str(2**31)
    checked = 0
    for rule in app.url_map.iter_rules():
        ints = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if not ints:
            continue
        path = rule.rule
        for name in rule._converters:
            value = huge if name in ints else "x"
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", value, path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            assert response.status_code < 500, (method, path, response.status_code)
            checked += 1
    assert checked >= 30


def test_the_document_says_array_where_an_answer_is_a_list(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/consent/consents", "/api/v1/workers/me/grants", "/api/v1/workers/me/view-requests"):
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["type"] == "array" and "properties" in schema["items"], path
    one = paths["/api/v1/articles/{article_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert one["schema"].get("type") != "array"


def test_the_document_describes_multipart_and_path_dependent_bodies(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    check = paths["/api/v1/face/checks"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert check["properties"]["frames"] == {"type": "array", "items": {"type": "string", "format": "binary"}}
    assert set(check["required"]) == {"challenge_id", "frames"}
    chip = paths["/api/v1/workers/me/identity/chip-reads"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert {"COM", "SOD", "DG1", "DG16", "aa_challenge"} <= set(chip["schema"]["properties"])
    review = paths["/api/v1/workers/me/identity/reviews"]["post"]
    assert set(review["requestBody"]["content"]["multipart/form-data"]["schema"]["required"]) == \
        {"hand_held", "front", "back"}
    assert "state" in review["responses"]["201"]["content"]["application/json"]["schema"]["properties"]
    profile = paths["/api/v1/workers/me/profile/{section}"]["put"]["requestBody"]["content"]["application/json"]
    shapes = profile["schema"]["anyOf"]
    assert len(shapes) == 6 and any("entries" in shape["properties"] for shape in shapes)
    assert all("base_version" in shape["properties"] for shape in shapes)


def test_an_empty_service_filter_is_documented_as_any_service(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    service = next(p for p in paths["/api/v1/enterprises"]["get"]["parameters"] if p["name"] == "service")
    assert service["schema"]["enum"][0] == ""
    assert client.get("/api/v1/enterprises?service=").status_code == 200
    assert client.get("/api/v1/enterprises?service=nonsense").status_code == 422


def test_length_refusals_say_the_allowed_length(app):
    with app.test_request_context("/?lang=en"):
        assert localize_messages(["Longer than maximum length 100."]) == ["Enter at most 100 characters."]
        assert localize_messages("Shorter than minimum length 2.") == "Enter at least 2 characters."
        assert localize_messages("Shorter than minimum length 1.") == "This field may not be empty."
        assert localize_messages("Length must be between 2 and 30.") == "Enter 2 to 30 characters."
        assert localize_messages("Length must be 6.") == "Enter exactly 6 characters."
        # Lists count entries, not characters.
        assert localize_messages({"entries": ["More entries than the maximum 30."]}) == {
            "entries": ["Give at most 30 entries."]}
        assert localize_messages("Fewer entries than the minimum 1.") == "Give at least 1 entry."
        assert "The length is not allowed." not in str(localize_messages(["Longer than maximum length 5."]))
