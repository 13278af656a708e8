"""The old content moderation service's report call (``createReport``, here ``flagContent``).

The old ``ContentModerationService.createReport`` (``server/features/admin/
content-moderation.ts``) recorded a user's report of a bill, comment, profile or sponsor
disclosure; it is the "flag content" call of the old services, accepted under both names.
"""

from __future__ import annotations

from typing import Any, Final

from typing_extensions import deprecated

from chanuka_db.errors import InvalidInput
from chanuka_db.legacy.deprecation import LegacyAPIWarning
from chanuka_db.legacy.service import LegacyService
from chanuka_db.legacy.shapes import as_uuid
from chanuka_db.repositories.moderation import ContentRef, ContentType

__all__ = ["ContentModerationService"]

# The old content types; "comment" is what the moderation tables call "bill_comment".
_CONTENT_TYPES: Final = {"comment": ContentType.BILL_COMMENT} | {t.value: t for t in ContentType}


def _content(content_type: object, content_id: int) -> ContentRef:
    kind = _CONTENT_TYPES.get(content_type) if isinstance(content_type, str) else None
    if kind is None:
        raise InvalidInput(
            "content_type", f"{content_type!r} is not one of {sorted(_CONTENT_TYPES)}"
        )
    return ContentRef(kind, content_id)


def _details(reason: object, description: object) -> str:
    """The reporter's words: the old reason, and the description after it when given."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("reason", "must be non-empty text")
    if description is None or description == "":
        return reason
    if not isinstance(description, str):
        raise InvalidInput("description", f"expected text, got {type(description).__name__}")
    return f"{reason}; {description}"


class ContentModerationService(LegacyService):
    """The old ``ContentModerationService``'s report call over the moderation repository."""

    __slots__ = ()

    @deprecated(
        "ContentModerationService.flagContent() is deprecated: use "
        "uow.moderation.flag(ContentRef(type, id), reason, reporter)"
        " (see docs/migrating.md#flagcontent)",
        category=LegacyAPIWarning,
    )
    def flagContent(  # noqa: PLR0917 - the old createReport took these positionally
        self,
        content_type: str,
        content_id: int,
        report_type: str,
        reason: str,
        reported_by: object,
        auto_detected: bool = False,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Report content: ``{success, message, reportId}`` (the old ``createReport``).

        ``content_type``: ``bill``, ``comment`` (or ``bill_comment``), ``user_profile``,
        ``sponsor_transparency``; ``report_type``: ``spam``, ``harassment``,
        ``misinformation``, ``inappropriate``, ``copyright``, ``other`` (it sets the
        severity, as before). The report joins the content's open review item. A
        reporter's second report of the same content records nothing ("Existing report
        updated", the first report's id). Failures raise typed errors (``NotFound`` for
        content that does not exist or was removed) where the old service returned
        ``success: false``. 1 statement (2 for a repeated report) in a unit of work
        acting as the reporter.
        """
        content = _content(content_type, content_id)
        details = _details(reason, description)
        reporter = as_uuid("reported_by", reported_by)
        with self._db.unit_of_work(actor=reporter) as uow:
            result = uow.moderation.flag(
                content, report_type, reporter, details=details, auto_detected=auto_detected
            )
        message = "Existing report updated" if result.duplicate else "Content reported successfully"
        return {"success": True, "message": message, "reportId": result.flag.id}

    flag_content = flagContent
    createReport = flagContent
    create_report = flagContent
