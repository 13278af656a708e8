"""Hot users-domain and infrastructure operations against raw psycopg running the same SQL.

Operations (10 000 accounts with one session each, 1 000 known IPs):

  session   sessions.get_active_with_user(token_hash): the per-request authentication
  bump      threat_intelligence.bump(ip): one upsert, occurrences + 1
  audit100  security_audit_logs.append(100 events): one INSERT ... SELECT FROM unnest

Clients, each on its own autocommit connection:

  repository  the repository method on a runner bound to one executor (argument checks,
              binding, monitoring, result objects: everything but the pool borrow)
  raw         psycopg with the repository's own SQL text, prepare=True, rows built by the
              same row factories; arguments passed as they are, unchecked

``test_interleaved`` takes turns between the clients in short blocks and reports medians
of wall and process-CPU time per operation. Run ``pytest benchmarks/test_users_repositories.py -s``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from benchmarks.helpers import Cycle, ExecutorRunner, interleave
from chanuka_db.pool import DatabaseUrl
from chanuka_db.repositories import auth, security_ops
from chanuka_db.repositories.base import column_arrays
from chanuka_db.repositories.security_ops import SecurityAuditLogRepository
from chanuka_db.repositories.security_ops import ThreatIntelligenceRepository as Threats
from chanuka_db.repositories.users import SessionRepository, hash_token
from chanuka_db.sql import Executor, QueryMonitor
from chanuka_db.sql.rows import built_row
from chanuka_db.types import NewSecurityAuditLog, Session, ThreatIntelligence, tables

Op = Callable[[], Any]
USERS = 10_000
IPS = 1_000
CLIENTS = ["repository", "raw"]
OPERATIONS = ["session", "bump", "audit100"]

SEED = (
    """INSERT INTO users (email, password_hash, name)
    SELECT 'citizen' || i || '@example.ke', 'hash', 'Citizen ' || i
      FROM generate_series(1, %(n)s) i""",
    """INSERT INTO sessions (id, user_id, expires_at)
SELECT encode(sha256(convert_to(
           'benchmark-token-' || lpad((row_number() OVER (ORDER BY id))::text, 6, '0'), 'UTF8')),
           'hex'),
       id, now() + interval '1 day'
  FROM users""",
    "ANALYZE users",
    "ANALYZE sessions",
)
EVENTS = [
    NewSecurityAuditLog(
        event_type="login", result="success", ip_address="196.201.214.10", details={"n": n}
    )
    for n in range(100)
]


@pytest.fixture
def seeded(database_url: DatabaseUrl) -> str:
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        for statement in SEED:
            conn.execute(statement, {"n": USERS} if "%(n)s" in statement else None)
    return database_url.conninfo()


def _repository_ops(conn: psycopg.Connection[Any]) -> dict[str, Op]:
    runner = ExecutorRunner(Executor(conn, QueryMonitor()))
    sessions, threats = SessionRepository(runner), Threats(runner)
    audit = SecurityAuditLogRepository(runner)
    users, ips = Cycle(USERS), Cycle(IPS)
    return {
        "session": lambda: sessions.get_active_with_user(
            hash_token(f"benchmark-token-{users.next():06}")
        ),
        "bump": lambda: threats.bump(f"10.0.{ips.next() // 256}.{ips.i % 256}", **_THREAT),
        "audit100": lambda: audit.append(EVENTS),
    }


_THREAT: dict[str, Any] = {"threat_type": "bot", "source": "internal"}


def _raw_ops(conn: psycopg.Connection[Any]) -> dict[str, Op]:
    session_sql, _ = auth._ACTIVE_SESSION.sql(token_hash="")
    pair = auth._ACTIVE_SESSION._factory  # the same (Session, PublicUser) pairs
    sessions = conn.cursor(row_factory=pair)
    threats = conn.cursor(row_factory=built_row(ThreatIntelligence))
    plain = conn.cursor()
    users, ips = Cycle(USERS), Cycle(IPS)
    audit_arrays = column_arrays(tables.security_audit_logs, EVENTS, security_ops._AUDIT_COLUMNS)

    def session() -> Any:
        token_hash = hash_token(f"benchmark-token-{users.next():06}")
        return sessions.execute(session_sql, [token_hash, True, True], prepare=True).fetchone()

    def bump() -> Any:
        params = {
            "ip": f"10.0.{ips.next() // 256}.{ips.i % 256}",
            "threat_type": "bot",
            "severity": "medium",
            "source": "internal",
            "description": None,
            "metadata": None,
        }
        return threats.execute(security_ops._BUMP_THREAT.text, params, prepare=True).fetchone()

    def audit() -> Any:
        return plain.execute(security_ops._APPEND_AUDIT.text, audit_arrays, prepare=True)

    return {"session": session, "bump": bump, "audit100": audit}


@pytest.fixture
def clients(seeded: str, pinned: bool) -> Iterator[dict[str, dict[str, Op]]]:
    conns = [psycopg.connect(seeded, autocommit=True) for _ in CLIENTS]
    try:
        built = {"repository": _repository_ops(conns[0]), "raw": _raw_ops(conns[1])}
        # the seeded tokens are the ones hash_token() is given: every lookup finds its row
        assert isinstance(built["repository"]["session"]().session, Session)
        assert built["raw"]["session"]() is not None
        yield built
    finally:
        for conn in conns:
            conn.close()


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("client", CLIENTS)
def test_operation(
    benchmark: Any, clients: dict[str, dict[str, Op]], client: str, operation: str
) -> None:
    benchmark.group = f"users: {operation}"
    benchmark(clients[client][operation])


def test_interleaved(benchmark: Any, clients: dict[str, dict[str, Op]], pinned: bool) -> None:
    rounds, block = (2, 5) if not benchmark.enabled else (15, 200)
    result = interleave(
        clients,
        OPERATIONS,
        rounds=rounds,
        block=block,
        block_of=lambda op: block // 10 if op == "audit100" else block,
    )
    wall, cpu = result.wall, result.cpu
    lines = [
        f"interleaved medians, {rounds} rounds, blocks of {block} (audit100 {block // 10}), "
        f"pinned to one CPU: {pinned}; wall µs/op (cpu µs/op)",
        f"{'operation':<10}" + "".join(f"{name:>22}" for name in CLIENTS) + "   repository/raw",
    ]
    for op in OPERATIONS:
        ratio = wall["repository", op] / wall["raw", op]
        extra = cpu["repository", op] - cpu["raw", op]
        cells = result.cells(CLIENTS, op, width=22)
        lines.append(f"{op:<10}{cells}   {ratio:4.2f}x wall, {extra:+6.1f} µs CPU")
    print("\n" + "\n".join(lines))
    benchmark.extra_info.update(result.as_json())
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    assert all(value > 0 for value in wall.values())
