"""The database roles chanuka-db connects as, and the start-up check of the application's login.

Migrations 0017/0018 create the roles and the row-level security that depends on them (see
docs/security.md). Row-level security does not apply to a superuser or a BYPASSRLS role, and
a login that owns (or may become the owner of) the tables can switch it off: the check below
finds such a login before the application uses it. In production that stops the start; in
development it is a warning, in tests a note (the test harness connects as a superuser).
"""

from __future__ import annotations

import logging
from typing import Any, Final

import attrs
import psycopg

from chanuka_db.errors import ConfigError, DatabaseUnavailable
from chanuka_db.pool.config import DatabaseUrl, Environment, redact

__all__ = [
    "APP_ROLE",
    "LOGIN_ROLES",
    "OWNER_ROLE",
    "SYSTEM_ROLE",
    "RoleReport",
    "check_login",
    "inspect_login",
    "inspect_url",
]

OWNER_ROLE: Final = "chanuka_owner"
APP_ROLE: Final = "chanuka_app"
SYSTEM_ROLE: Final = "chanuka_system"
# The roles a process logs in as; the embedded server creates them, like an operator would.
LOGIN_ROLES: Final = (APP_ROLE, SYSTEM_ROLE)

_log = logging.getLogger("chanuka_db.security")

_INSPECT: Final = """
SELECT r.rolname, r.rolsuper, r.rolbypassrls,
       ARRAY(SELECT c.oid::regclass::text
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p')
                AND n.nspname !~ '^(pg_|information_schema$)'
                AND pg_has_role(r.oid, c.relowner, 'MEMBER')
              ORDER BY 1 LIMIT %(limit)s),
       coalesce((SELECT pg_has_role(r.oid, g.oid, 'MEMBER')
                   FROM pg_roles g WHERE g.rolname = %(system)s), false)
  FROM pg_roles r
 WHERE r.rolname = current_user
"""
_SHOWN_TABLES: Final = 3


@attrs.frozen
class RoleReport:
    """What the server says about the login of a connection.

    ``owned_tables`` lists (a few of) the tables the login owns or may act as the owner of;
    ``system_member`` says whether it may use the system path of the policies.
    """

    login: str
    superuser: bool
    bypass_rls: bool
    owned_tables: tuple[str, ...]
    system_member: bool

    def problems(self, *, system: bool = False) -> list[str]:
        """Why this login must not run the application (``system``: the jobs' login)."""
        found = []
        if self.superuser:
            found.append(f"{self.login!r} is a superuser (row-level security never applies)")
        if self.bypass_rls:
            found.append(f"{self.login!r} has BYPASSRLS (row-level security never applies)")
        if self.owned_tables and not self.superuser:
            tables = ", ".join(self.owned_tables)
            found.append(
                f"{self.login!r} owns or may become the owner of tables ({tables}, ...):"
                " it can turn row-level security off"
            )
        if self.system_member and not system and not self.superuser:
            found.append(
                f"{self.login!r} is a member of {SYSTEM_ROLE}: it can take the system path"
                " of the row-level security policies (see every user's rows)"
            )
        return found


def inspect_login(conn: psycopg.Connection[Any]) -> RoleReport:
    """Ask the server about the login of ``conn`` (one query, no state left behind)."""
    row = conn.execute(_INSPECT, {"limit": _SHOWN_TABLES, "system": SYSTEM_ROLE}).fetchone()
    if row is None:  # pragma: no cover - current_user always has a pg_roles row
        raise ConfigError("login", "?", "the server does not know the current role")
    login, superuser, bypass_rls, owned, system_member = row
    return RoleReport(login, superuser, bypass_rls, tuple(owned), system_member)


def inspect_url(url: DatabaseUrl, *, connect_timeout_s: float = 5.0) -> RoleReport:
    """Connect to ``url`` once and report on its login (``chanuka-db check-roles``)."""
    try:
        with psycopg.connect(
            url.conninfo(), autocommit=True, connect_timeout=max(1, round(connect_timeout_s))
        ) as conn:
            return inspect_login(conn)
    except psycopg.OperationalError as exc:
        reason = redact(str(exc).strip().splitlines()[-1] if str(exc).strip() else "")
        raise DatabaseUnavailable(f"cannot connect to {url.redacted()}: {reason}") from None


def check_login(
    conn: psycopg.Connection[Any],
    *,
    environment: Environment,
    url: DatabaseUrl,
    system: bool = False,
) -> RoleReport:
    """Check that ``conn``'s login is fit to run the application (or, ``system``, the jobs).

    In production a login that is a superuser, has BYPASSRLS, owns the tables, or (for the
    application) belongs to ``chanuka_system`` raises :class:`ConfigError` naming the URL's
    source variable; elsewhere the problems are logged on ``chanuka_db.security``.
    """
    report = inspect_login(conn)
    problems = report.problems(system=system)
    if not problems:
        return report
    variable = url.source if url.source.startswith("DATABASE_") else "DATABASE_URL"
    reason = "; ".join(problems) + ". Use a least-privilege login (docs/security.md)"
    if environment is Environment.PRODUCTION:
        raise ConfigError(variable, url.redacted(), reason)
    level = logging.WARNING if environment is Environment.DEVELOPMENT else logging.INFO
    event = {"event": "chanuka_db.security.login_unfit", "login": report.login}
    _log.log(level, "%s (%s): %s", variable, url.redacted(), reason, extra=event)
    return report
