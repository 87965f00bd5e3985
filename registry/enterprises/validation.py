"""Checking one enterprise's raw fields: shared by the importer, admin pages and schemas.

Plain functions rather than a marshmallow schema because the importer runs
them a million times; the schemas call them too, so a rule is written once.
Errors are {field: reason} with English reasons (files and logs are technical).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from registry.enterprises import catalog, creditcode, regions

LIMITS = {
    "name": 200, "address": 300, "legal_representative": 64, "business_scope": 4000,
    "commitment_text": 4000, "brand": 100, "authority": 200, "summary": 4000,
    "document_number": 100, "source": 100,
}
MAX_BRANDS = 20
MAX_RECORDS = 500
LIST_SEPARATORS = re.compile(r"[|｜;；]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

FIELDS = ("credit_code", "name", "brands", "province_code", "city_code", "district_code", "address",
          "legal_representative", "registered_on", "registered_capital", "business_scope", "service_types",
          "status", "commitment_signed_on", "commitment_text", "records")
RECORD_FIELDS = ("kind", "occurred_on", "authority", "summary", "document_number", "source", "valid_until")


class RowErrors(Exception):
    """Every problem found in one row, by field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def clean_text(value: Any, field: str, errors: dict[str, str], required: bool = False,
               limit_key: str | None = None) -> str | None:
    """Strip, drop control characters, enforce the length limit."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            errors[field] = "must be text"
            return None
    value = _CONTROL.sub("", value).strip()
    limit = LIMITS.get(limit_key or field)
    if limit and len(value) > limit:
        errors[field] = f"too long ({len(value)} characters, at most {limit})"
        return None
    if required and not value:
        errors[field] = "is required"
        return None
    return value or None


def parse_date(value: Any, field: str, errors: dict[str, str], required: bool = False) -> dt.date | None:
    """YYYY-MM-DD (also YYYY/MM/DD and YYYYMMDD, as Chinese registers print them)."""
    if isinstance(value, dt.date):
        return value
    text = value.strip() if isinstance(value, str) else ("" if value is None else None)
    if text is None:
        errors[field] = "must be a date (YYYY-MM-DD)"
        return None
    if not text:
        if required:
            errors[field] = "is required"
        return None
    if len(text) == 10 and text[4] == "-":
        try:
            day = dt.date.fromisoformat(text)  # the common case, far faster than strptime
        except ValueError:
            pass
        else:
            if dt.date(1949, 1, 1) <= day <= dt.date(2100, 12, 31):
                return day
            errors[field] = "is out of range"
            return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not dt.date(1949, 1, 1) <= day <= dt.date(2100, 12, 31):
            errors[field] = "is out of range"
            return None
        return day
    errors[field] = "must be a date (YYYY-MM-DD)"
    return None


def _as_list(value: Any, field: str, errors: dict[str, str]) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in LIST_SEPARATORS.split(value) if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    errors[field] = "must be a list of texts"
    return []


def clean_records(value: Any, default_source: str | None, errors: dict[str, str]) -> list[dict]:
    """Credit records: a JSON array in CSV, a list in JSON Lines."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors["records"] = "must be a JSON array of records"
            return []
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        errors["records"] = "must be a JSON array of records"
        return []
    if len(value) > MAX_RECORDS:
        errors["records"] = f"too many records (at most {MAX_RECORDS})"
        return []
    cleaned = []
    for index, raw in enumerate(value, start=1):
        rec_errors: dict[str, str] = {}
        record = clean_record(raw, default_source, rec_errors)
        for field, reason in rec_errors.items():
            errors[f"records[{index}].{field}"] = reason
        cleaned.append(record)
    return cleaned


def clean_record(raw: dict, default_source: str | None, errors: dict[str, str]) -> dict:
    """One credit record."""
    kind_text = clean_text(raw.get("kind"), "kind", errors, required=True, limit_key="source")
    kind = catalog.record_kind(kind_text or "") if kind_text else None
    if kind_text and kind is None:
        errors["kind"] = f"unknown record kind {kind_text!r}"
    record = {
        "kind": kind,
        "occurred_on": parse_date(raw.get("occurred_on"), "occurred_on", errors, required=True),
        "authority": clean_text(raw.get("authority"), "authority", errors),
        "summary": clean_text(raw.get("summary"), "summary", errors, required=True),
        "document_number": clean_text(raw.get("document_number"), "document_number", errors),
        "source": clean_text(raw.get("source"), "source", errors) or default_source,
        "valid_until": parse_date(raw.get("valid_until"), "valid_until", errors),
    }
    if not record["source"] and "source" not in errors:
        errors["source"] = "is required"
    if record["valid_until"] and record["occurred_on"] and record["valid_until"] < record["occurred_on"]:
        errors["valid_until"] = "is before the record's date"
    return record


def clean_enterprise(raw: dict[str, Any], default_source: str | None = None,
                     with_records: bool = True) -> dict[str, Any]:
    """Check and normalise one enterprise; raises RowErrors with every problem found."""
    errors: dict[str, str] = {}
    code = raw.get("credit_code")
    if not isinstance(code, str) or not code.strip():
        errors["credit_code"] = "is required"
    else:
        try:
            code = creditcode.validate(code)
        except creditcode.CreditCodeError as exc:
            errors["credit_code"] = exc.message
    data: dict[str, Any] = {"credit_code": code}
    data["name"] = clean_text(raw.get("name"), "name", errors, required=True)
    brands = []
    for brand in _as_list(raw.get("brands"), "brands", errors):
        brand = _CONTROL.sub("", brand)
        if len(brand) > LIMITS["brand"]:
            errors["brands"] = f"a brand is too long (at most {LIMITS['brand']} characters)"
        elif brand not in brands:
            brands.append(brand)
    if len(brands) > MAX_BRANDS:
        errors["brands"] = f"too many brands (at most {MAX_BRANDS})"
    data["brands"] = brands
    try:
        data["province_code"], data["city_code"], data["district_code"] = regions.resolve(
            _code_text(raw.get("province_code")), _code_text(raw.get("city_code")),
            _code_text(raw.get("district_code")))
    except regions.RegionError as exc:
        errors[exc.field] = exc.message
    for field in ("address", "legal_representative", "business_scope", "commitment_text"):
        data[field] = clean_text(raw.get(field), field, errors)
    data["registered_on"] = parse_date(raw.get("registered_on"), "registered_on", errors)
    data["commitment_signed_on"] = parse_date(raw.get("commitment_signed_on"), "commitment_signed_on", errors)
    data["registered_capital_yuan"] = _parse_capital(raw.get("registered_capital"), errors)
    services = []
    for name in _as_list(raw.get("service_types"), "service_types", errors):
        slug = catalog.service_slug(name)
        if slug is None:
            errors["service_types"] = f"unknown service type {name!r}"
        elif slug not in services:
            services.append(slug)
    data["service_types"] = services
    status_text = clean_text(raw.get("status"), "status", errors, limit_key="source")
    data["status"] = catalog.status_slug(status_text) if status_text else "operating"
    if status_text and data["status"] is None:
        errors["status"] = f"unknown operating status {status_text!r}"
    if with_records:
        data["records"] = clean_records(raw.get("records"), default_source, errors)
    if errors:
        raise RowErrors(errors)
    return data


def _code_text(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _parse_capital(value: Any, errors: dict[str, str]) -> int | None:
    """Registered capital given in 万元, kept as whole yuan (exact on every database)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip().removesuffix("万元").replace(",", ""))
    except InvalidOperation:
        errors["registered_capital"] = "must be a number (in 万元)"
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        errors["registered_capital"] = "is out of range"
        return None
    return int((amount * 10_000).to_integral_value())
