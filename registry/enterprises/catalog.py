"""Fixed vocabularies: service types, credit record kinds, operating statuses.

Keys are stable ASCII slugs (API, database); import files may use either the
slug or the Chinese name the real platform prints.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# slug -> (bit in Enterprise.service_mask, Chinese name, UI label)
SERVICE_TYPES: dict[str, tuple[int, str, object]] = {
    "cleaning": (1 << 0, "保洁", _l("Cleaning")),
    "maternity": (1 << 1, "月嫂", _l("Maternity nurse")),
    "childcare": (1 << 2, "育儿嫂", _l("Childcare")),
    "eldercare": (1 << 3, "养老护理", _l("Elderly care")),
    "appliance_repair": (1 << 4, "家电维修", _l("Appliance repair")),
    "housekeeping": (1 << 5, "保姆", _l("Live-in housekeeping")),
    "hourly": (1 << 6, "钟点工", _l("Hourly help")),
    "patient_care": (1 << 7, "病患陪护", _l("Patient care")),
    "moving": (1 << 8, "搬家", _l("Moving")),
    "cooking": (1 << 9, "家庭烹饪", _l("Home cooking")),
}
_SERVICE_BY_NAME = {zh: slug for slug, (_, zh, _label) in SERVICE_TYPES.items()}

ADVERSE_KINDS = ("penalty", "abnormal_operation", "serious_dishonesty", "complaint", "commitment_breach")
RECORD_KINDS: dict[str, tuple[str, object]] = {
    "penalty": ("行政处罚", _l("Administrative penalty")),
    "reward": ("行政奖励/荣誉", _l("Administrative reward or honour")),
    "abnormal_operation": ("经营异常名录", _l("Abnormal-operation listing")),
    "serious_dishonesty": ("严重失信主体名单", _l("Serious-dishonesty list")),
    "complaint": ("消费投诉", _l("Consumer complaint")),
    "commitment_breach": ("信用承诺违约", _l("Credit commitment breach")),
}
_KIND_BY_NAME = {zh: slug for slug, (zh, _label) in RECORD_KINDS.items()}

STATUSES: dict[str, tuple[str, object]] = {
    "operating": ("存续", _l("Operating")),
    "suspended": ("停业", _l("Suspended")),
    "revoked": ("吊销", _l("Licence revoked")),
    "deregistered": ("注销", _l("Deregistered")),
}
_STATUS_BY_NAME = {zh: slug for slug, (zh, _label) in STATUSES.items()}
# 吊销 and 注销: the enterprise no longer exists as an employer, so nobody can newly choose it
# (停业, suspended, may reopen).
CLOSED_STATUSES = frozenset({"revoked", "deregistered"})


def service_slug(value: str) -> str | None:
    """The slug for a slug or Chinese service name; None if unknown."""
    value = (value or "").strip()
    return value if value in SERVICE_TYPES else _SERVICE_BY_NAME.get(value)


def service_mask(slugs) -> int:
    """Bit mask of a list of service slugs."""
    mask = 0
    for slug in slugs:
        mask |= SERVICE_TYPES[slug][0]
    return mask


def services_of(mask: int) -> list[str]:
    """Service slugs set in a mask, in catalogue order."""
    return [slug for slug, (bit, _zh, _label) in SERVICE_TYPES.items() if mask & bit]


def record_kind(value: str) -> str | None:
    """The slug for a slug or Chinese record kind; None if unknown."""
    value = (value or "").strip()
    return value if value in RECORD_KINDS else _KIND_BY_NAME.get(value)


def status_slug(value: str) -> str | None:
    """The slug for a slug or Chinese status; None if unknown."""
    value = (value or "").strip()
    return value if value in STATUSES else _STATUS_BY_NAME.get(value)
