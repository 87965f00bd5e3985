"""Households and workers through the scan and approval API."""
from __future__ import annotations

from tests.factories.face import make_face_check
from tests.factories.http import api_post

ALL_SECTIONS = ["basic", "identity", "work_history", "training", "insurance_health", "service_feedback",
                "background_check", "tax", "bank_credit"]


def scan(client, scanned):
    return api_post(client, "/api/v1/scans", {"scanned": scanned})


def approve(worker_client, worker_account, request_id, **choice):
    """The worker's face approval through the API; `choice` is scopes / hours / until_date (default: all sections)."""
    check = make_face_check(worker_account, "view_approval")
    return api_post(worker_client, f"/api/v1/workers/me/view-requests/{request_id}/approval",
                    {"face_check_id": check.id, "scopes": ALL_SECTIONS, **choice})
