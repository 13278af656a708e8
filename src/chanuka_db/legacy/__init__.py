"""Adapters for code written against the old Chanuka services (deprecated on arrival).

The TypeScript services called the database their own way (Drizzle calls inside service
methods, custom query builders). Code ported from them keeps working through these
adapters while it is moved to the repositories::

    from chanuka_db import Database
    from chanuka_db.legacy import BillService

    bills = BillService(db)
    page = bills.getAllBills({"status": "committee"}, {"page": 1, "limit": 10})
    page["bills"][0]["viewCount"], page["pagination"]["pages"]

Each adapter runs on the repositories inside a unit of work, returns the old shape (dicts
with the old camelCase keys and JSON values, see :mod:`.shapes`) and emits a
:class:`LegacyAPIWarning` (a ``DeprecationWarning``) naming its replacement, once per
calling line. Run with ``python -W error::DeprecationWarning`` to make every remaining
call fail. ``docs/migrating.md`` maps each old call and pattern to the new one.

Importing this package shows those warnings (Python hides DeprecationWarnings outside
``__main__`` by default) unless ``-W`` or ``PYTHONWARNINGS`` set the filters.
"""

from chanuka_db.legacy.bills import BillService
from chanuka_db.legacy.comments import CommentService, CommentVotingService
from chanuka_db.legacy.deprecation import LegacyAPIWarning, show_legacy_warnings
from chanuka_db.legacy.moderation import ContentModerationService
from chanuka_db.legacy.notifications import NotificationService

__all__ = [
    "BillService",
    "CommentService",
    "CommentVotingService",
    "ContentModerationService",
    "LegacyAPIWarning",
    "NotificationService",
    "show_legacy_warnings",
]

show_legacy_warnings()
