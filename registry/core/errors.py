"""Domain errors: what a service raises to refuse (registry.web.errors turns them into answers)."""
from __future__ import annotations


class DomainError(Exception):
    """A refusal by a business rule: the message is shown to the person.

    `commit_changes` marks refusals that are themselves facts to keep (a wrong
    SMS code counts against the code's tries): the request still commits.
    """

    status = 400
    code = "bad_request"
    commit_changes = False

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 fields: dict | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}
        self.retry_after = retry_after


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Gone(DomainError):
    """What existed has ended for good (a grant whose basis ended): asking again will not bring it back."""

    status = 410
    code = "gone"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


class RecordedRefusal(DomainError):
    """A refusal whose bookkeeping (tries, audit events) must be committed."""

    commit_changes = True


