"""Per-domain repositories and the unit of work: what services call.

``chanuka_db.Database`` (this package's :class:`Database`) opens units of work; each
exposes every table's repository (see :mod:`.unit_of_work`). One module per domain holds
that domain's repositories; :mod:`.base` holds the operations every table has.
"""

from chanuka_db.repositories.base import Found, Runner, TableRepository, parse_sort
from chanuka_db.repositories.unit_of_work import (
    AuthenticatedUnitOfWork,
    Database,
    PooledRunner,
    Repositories,
    UnitOfWork,
)

__all__ = [
    "AuthenticatedUnitOfWork",
    "Database",
    "Found",
    "PooledRunner",
    "Repositories",
    "Runner",
    "TableRepository",
    "UnitOfWork",
    "parse_sort",
]
