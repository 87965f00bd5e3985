"""Words for the worker's in-app notices."""
from __future__ import annotations

from flask_babel import gettext as _

from workers.models import WorkerNotice


def notice_text(notice: WorkerNotice) -> str:
    """A notice in the reader's language."""
    if notice.kind == "affiliation_ended":
        return _("%(enterprise)s has ended your affiliation.", enterprise=notice.enterprise_name or "")
    if notice.kind == "affiliation_rejected":
        return _("%(enterprise)s did not confirm that you work there.", enterprise=notice.enterprise_name or "")
    if notice.kind == "affiliation_confirmed":
        return _("%(enterprise)s has confirmed that you work there.", enterprise=notice.enterprise_name or "")
    return notice.kind
