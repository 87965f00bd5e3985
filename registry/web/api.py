"""The /api/v1 boundary: JSON parsing through marshmallow and the OpenAPI document."""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from registry.core.errors import DomainError

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# view function -> OpenAPI operation metadata
_OPERATIONS: dict[Callable, dict[str, Any]] = {}


class ApiValidationError(DomainError):
    status = 422
    code = "validation_error"


def operation(summary: str, *, body: type[Schema] | Schema | tuple | None = None,
              form: type[Schema] | Schema | None = None,
              query: type[Schema] | Schema | None = None,
              response: type[Schema] | Schema | None = None, status: int = 200,
              errors: tuple[int, ...] = (), tags: tuple[str, ...] = ()):
    """Describe an API view for the OpenAPI document (the view stays a plain Flask view).

    `body` is a JSON body (a tuple of schemas when the path decides which one), `form` a
    multipart/form-data body (its `Upload` fields are files).
    `errors` lists the refusals the view's own rules give (403, 409, 429, ...); the ones its
    shape implies (CSRF, login, path ids, body and query validation) are added by the document.
    """

    def decorate(view):
        _OPERATIONS[view] = {
            "summary": summary, "body": body, "form": form, "query": query, "response": response,
            "status": status, "errors": tuple(errors), "tags": list(tags),
        }
        return view

    return decorate


class Upload(fields.Raw):
    """A file part of a multipart/form-data body (documents the form; views read `request.files`)."""


_schema_instances: dict[type[Schema], Schema] = {}


def _schema(schema: type[Schema] | Schema) -> Schema:
    # Building a schema costs far more than using one, and our schemas hold
    # no per-call state, so each class is instantiated once per process.
    if not isinstance(schema, type):
        return schema
    instance = _schema_instances.get(schema)
    if instance is None:
        instance = _schema_instances[schema] = schema()
    return instance


def _marshmallow_messages() -> dict[str, str]:
    # marshmallow's built-in messages, in the request's language.
    return {
        "Missing data for required field.": _("This field is required."),
        "Unknown field.": _("Unknown field."),
        "Field may not be null.": _("This field may not be empty."),
        "Not a valid string.": _("Not a valid text."),
        "Not a valid integer.": _("Not a valid whole number."),
        "Not a valid number.": _("Not a valid number."),
        "Not a valid boolean.": _("Not a valid yes/no value."),
        "Not a valid date.": _("Not a valid date."),
        "Not a valid datetime.": _("Not a valid date and time."),
        "Not a valid list.": _("Not a valid list."),
        "Invalid input type.": _("Invalid input type."),
        "Invalid value.": _("Invalid value."),
    }


class Count(validate.Length):
    """The length of a list: its messages count entries, where Length's count characters."""

    message_min = "Fewer entries than the minimum {min}."
    message_max = "More entries than the maximum {max}."
    message_all = "The number of entries must be between {min} and {max}."
    message_equal = "The number of entries must be {equal}."


# marshmallow's (and Count's) length messages: kind, then the numbers they carry.
_LENGTH_MESSAGES = [
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "text_min"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "text_max"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "text_range"),
    (re.compile(r"^Length must be (\d+)\.$"), "text_equal"),
    (re.compile(r"^Fewer entries than the minimum (\d+)\.$"), "list_min"),
    (re.compile(r"^More entries than the maximum (\d+)\.$"), "list_max"),
    (re.compile(r"^The number of entries must be between (\d+) and (\d+)\.$"), "list_range"),
    (re.compile(r"^The number of entries must be (\d+)\.$"), "list_equal"),
]


def _length_message(kind: str, numbers: list[int]) -> str:
    """A length refusal that says the allowed length, in the request's language."""
    first = numbers[0]
    if kind == "text_min":
        if first <= 1:
            return _("This field may not be empty.")
        return ngettext("Enter at least %(num)d character.", "Enter at least %(num)d characters.", first)
    if kind == "text_max":
        return ngettext("Enter at most %(num)d character.", "Enter at most %(num)d characters.", first)
    if kind == "text_range":
        return _("Enter %(min)d to %(max)d characters.", min=first, max=numbers[1])
    if kind == "text_equal":
        return ngettext("Enter exactly %(num)d character.", "Enter exactly %(num)d characters.", first)
    if kind == "list_min":
        return ngettext("Give at least %(num)d entry.", "Give at least %(num)d entries.", first)
    if kind == "list_max":
        return ngettext("Give at most %(num)d entry.", "Give at most %(num)d entries.", first)
    if kind == "list_range":
        return _("Give %(min)d to %(max)d entries.", min=first, max=numbers[1])
    return ngettext("Give exactly %(num)d entry.", "Give exactly %(num)d entries.", first)


def localize_messages(messages: Any, table: dict[str, str] | None = None) -> Any:
    """Translate marshmallow's built-in messages, keeping our own as they are."""
    table = table if table is not None else _marshmallow_messages()
    if isinstance(messages, dict):
        return {key: localize_messages(value, table) for key, value in messages.items()}
    if isinstance(messages, list):
        return [localize_messages(value, table) for value in messages]
    if isinstance(messages, str):
        if messages in table:
            return table[messages]
        if messages.startswith("Must be one of"):
            return _("Choose one of the allowed values.")
        for pattern, kind in _LENGTH_MESSAGES:
            if match := pattern.match(messages):
                return _length_message(kind, [int(n) for n in match.groups()])
        if messages.startswith("Must be greater") or messages.startswith("Must be less"):
            return _("The value is out of range.")
    return messages


def _flatten_messages(messages: Any) -> dict[str, Any]:
    messages = localize_messages(messages)
    if isinstance(messages, dict):
        return messages
    return {"_schema": messages}


# Every number this API takes is a database id, a count or a page: INTEGER columns are 32-bit.
MAX_JSON_INTEGER = 2**31 - 1
MAX_JSON_DEPTH = 20
MAX_JSON_BYTES = 256 * 1024


def _too_deep(text: bytes, limit: int) -> bool:
    """Whether brackets nest deeper than `limit` (outside strings), checked before parsing."""
    depth, in_string, escaped = 0, False, False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _out_of_range_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > MAX_JSON_INTEGER
    if isinstance(value, float):
        return value != value or value in (float("inf"), float("-inf")) or abs(value) > 1e15
    if isinstance(value, dict):
        return any(_out_of_range_integer(v) for v in value.values())
    if isinstance(value, list):
        return any(_out_of_range_integer(v) for v in value)
    return False


def load_body(schema: type[Schema] | Schema) -> dict[str, Any]:
    """Parse a JSON request body with a marshmallow schema; 413/415/400/422 on bad input.

    Bounded before the schema sees it: size, nesting depth (a deep body would
    exhaust the parser's recursion) and every number's range (an id past the
    database's 32 bits would fail in the database instead of here).
    """
    if not request.is_json:
        raise DomainError(_("Send the request as JSON (Content-Type: application/json)."),
                          code="unsupported_media_type", status=415)
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise DomainError(_("The request body is too large."), code="payload_too_large", status=413)
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:
        raise DomainError(_("The request body is too large."), code="payload_too_large", status=413)
    if _too_deep(raw, MAX_JSON_DEPTH):
        raise DomainError(_("The request body is nested too deeply."), code="json_too_deep", status=400)
    data = request.get_json(silent=True)
    if data is None:
        raise DomainError(_("The request body is not valid JSON."), code="invalid_json", status=400)
    if _out_of_range_integer(data):
        raise ApiValidationError(_("A number in the request is out of range."))
    if not isinstance(data, dict):
        raise ApiValidationError(_("The request body must be a JSON object."))
    try:
        return _schema(schema).load(data)
    except ValidationError as exc:
        raise ApiValidationError(_("Some fields are not valid."),
                                 fields=_flatten_messages(exc.messages)) from None


def query_arguments() -> dict[str, str]:
    """The query string without `lang`, which any page or call may carry (the language switch adds it)."""
    return {key: value for key, value in request.args.items() if key != "lang"}


def load_query(schema: type[Schema] | Schema) -> dict[str, Any]:
    """Parse query-string arguments with a marshmallow schema; 422 on bad input."""
    try:
        return _schema(schema).load(query_arguments())
    except ValidationError as exc:
        raise ApiValidationError(_("Some query parameters are not valid."),
                                 fields=_flatten_messages(exc.messages)) from None


def dump(schema: type[Schema] | Schema, obj: Any, status: int = 200, many: bool = False):
    """Serialise through a schema into a JSON response."""
    response = jsonify(_schema(schema).dump(obj, many=many))
    response.status_code = status
    return response


def require_json_api_login(view):
    """API views for signed-in people: 401 JSON otherwise."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            raise DomainError(_("Please log in first."), code="unauthorized", status=401)
        return view(*args, **kwargs)

    wrapper.requires_login = True  # the OpenAPI document lists 401 for it
    return wrapper


# --- OpenAPI -----------------------------------------------------------------

_FIELD_TYPES: list[tuple[type, dict[str, Any]]] = [
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.Decimal, {"type": "number"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.URL, {"type": "string", "format": "uri"}),
    (fields.String, {"type": "string"}),
    (fields.Dict, {"type": "object"}),
    (Upload, {"type": "string", "format": "binary"}),
    (fields.Raw, {}),
]


def field_schema(field: fields.Field) -> dict[str, Any]:
    """JSON Schema of one marshmallow field."""
    if isinstance(field, fields.Nested):
        nested = _schema(field.schema) if not isinstance(field.schema, Schema) else field.schema
        out = schema_to_json(nested)
        if field.many:
            return {"type": "array", "items": out}
        return {**out, "nullable": True} if field.allow_none else out
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_schema(field.inner)}
    result: dict[str, Any] = {}
    for cls, spec in _FIELD_TYPES:
        if isinstance(field, cls):
            result = dict(spec)
            break
    for validator in field.validators:
        choices = getattr(validator, "choices", None)
        if choices is not None:
            result["enum"] = list(choices)
        for attr, key in (("min", "minLength"), ("max", "maxLength")):
            value = getattr(validator, attr, None)
            if value is not None and result.get("type") == "string":
                result[key] = value
    if isinstance(field, (fields.Function, fields.Method)) and field.metadata.get("openapi"):
        result = dict(field.metadata["openapi"])  # a computed value says what it computes
    if field.allow_none:
        result["nullable"] = True
    description = field.metadata.get("description")
    if description:
        result["description"] = description
    return result


def schema_to_json(schema: Schema) -> dict[str, Any]:
    """JSON Schema of a marshmallow schema (the subset our schemas use)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, field in schema.fields.items():
        key = field.data_key or name
        if field.load_only and field.dump_only:
            continue
        properties[key] = field_schema(field)
        if field.required:
            required.append(key)
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object"},
    },
    "required": ["code", "message", "fields"],
}

ERROR_DESCRIPTIONS = {
    400: "The request is malformed (missing CSRF token, invalid JSON or form)",
    401: "Not signed in",
    403: "Signed in, but not allowed to do this",
    404: "No such resource (or not yours)",
    409: "Refused by the current state (already done, conflicting, not yet possible)",
    410: "Ended for good (an authorization whose basis ended); the reason is in code and message",
    413: "The body is too large",
    415: "The body is not in the media type this operation takes",
    422: "Some fields or query parameters are not valid (see fields)",
    429: "Too many requests; wait the seconds in Retry-After",
}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _error_statuses(view, meta: dict[str, Any], method: str, has_path_ids: bool) -> list[int]:
    """Every refusal an operation can give: its own rules' plus the ones its shape implies."""
    statuses = set(meta["errors"])
    if method in STATE_CHANGING:
        statuses.add(400)  # the CSRF check comes before the view
    if meta["body"] is not None:
        statuses |= {400, 413, 415, 422}
    if meta["form"] is not None:
        statuses |= {400, 413, 422}
    if meta["query"] is not None:
        statuses.add(422)
    if has_path_ids:
        statuses.add(404)
    if getattr(view, "requires_login", False):
        statuses.add(401)
    return sorted(statuses)


def _error_responses(statuses: list[int]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for code in statuses:
        answer: dict[str, Any] = {"description": ERROR_DESCRIPTIONS.get(code, "Refused"),
                                  "content": {"application/json": {"schema": ERROR_SCHEMA}}}
        if code == 429:
            answer["headers"] = {"Retry-After": {"description": "Seconds to wait",
                                                 "schema": {"type": "integer"}}}
        responses[str(code)] = answer
    return responses


def _body_json(body) -> dict[str, Any]:
    # A tuple of schemas is a body whose shape depends on the path (one of them applies).
    if isinstance(body, tuple):
        return {"anyOf": [schema_to_json(_schema(each)) for each in body]}
    return schema_to_json(_schema(body))


def build_openapi(app: Flask) -> dict[str, Any]:
    """Assemble the OpenAPI 3 document from the registered API views."""
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") and not rule.rule.startswith("/.well-known"):
            continue
        view = app.view_functions[rule.endpoint]
        meta = _OPERATIONS.get(view)
        if meta is None:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        parameters = []
        for arg in sorted(rule.arguments):
            converter = rule._converters[arg]
            schema: dict[str, Any] = {"type": "string"}
            if isinstance(converter, IntegerConverter):
                schema = {"type": "integer", "minimum": 0}
                if converter.max is not None:
                    schema["maximum"] = converter.max
            parameters.append({"name": arg, "in": "path", "required": True, "schema": schema})
        if meta["query"] is not None:
            for key, prop in schema_to_json(_schema(meta["query"]))["properties"].items():
                parameters.append({"name": key, "in": "query", "schema": prop})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {
                "summary": meta["summary"],
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "tags": meta["tags"],
                "responses": {
                    str(meta["status"]): {"description": "Success"},
                    **_error_responses(_error_statuses(view, meta, method, bool(rule.arguments))),
                },
            }
            if parameters:
                op["parameters"] = parameters
            if meta["response"] is not None:
                response_schema = _schema(meta["response"])
                described = schema_to_json(response_schema)
                if response_schema.many:  # Schema(many=True): the answer is a JSON array
                    described = {"type": "array", "items": described}
                op["responses"][str(meta["status"])]["content"] = {"application/json": {"schema": described}}
            if meta["body"] is not None and method in STATE_CHANGING:
                op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _body_json(meta["body"])}}}
            if meta["form"] is not None and method in STATE_CHANGING:
                op["requestBody"] = {"required": True, "content": {
                    "multipart/form-data": {"schema": schema_to_json(_schema(meta["form"]))}}}
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": "Household-services credit registry API", "version": "1.0.0",
                 "description": "家政服务信用信息平台 API. Errors are JSON {code, message, fields}. "
                                "State-changing calls need the X-CSRFToken header from GET /api/v1/session/csrf."},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
    }


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 document of this API."""
    return jsonify(build_openapi(current_app))


@bp.get("/docs")
def openapi_docs():
    """A readable list of the API's operations."""
    document = build_openapi(current_app)
    return render_template("api_docs.html", document=document)
