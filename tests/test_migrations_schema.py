"""The migrated schema against the spec, and what each improvement migration changes."""

from __future__ import annotations

import re
from typing import Any

import attrs
import psycopg
import pytest

from chanuka_db.errors import MigrationFailed
from chanuka_db.pool.config import DatabaseUrl
from chanuka_db.sql.catalog import Catalog, Column, Table, diff_catalogs, read_catalog
from chanuka_db.sql.migrate import MigrationRunner
from chanuka_db.sql.schema_docs import schema_docs_text
from tests.migration_support import ROOT, seed, spec_tables
from tests.security_support import IGNORED_COLUMNS, SECRET_COLUMNS

# What the improvement migrations deliberately change relative to the spec (and nothing else).
DROPPED_INDEXES = {
    "users": ["idx_users_verification_status", "users_email_idx"],
    "sessions": ["idx_sessions_expires_at"],
    "sponsors": ["sponsor_name_idx", "sponsor_party_idx"],
    "user_profiles": ["idx_user_profiles_reputation"],
    "bill_engagement": ["idx_bill_engagement_last_engaged"],
    "user_interests": ["idx_user_interests_user_interest"],
    "user_activity_summary": ["idx_user_activity_user_date"],
    "bill_analytics_summary": ["idx_bill_analytics_bill_date"],
}
ADDED_FK_INDEXES = {
    "regulations": "sponsor_id",
    "regulatory_changes": "reported_by",
    "analysis": "approved_by",
    "moderation_actions": "reversed_by",
    "moderation_flags": "reviewed_by",
    "content_flags": "reviewed_by",
    "analytics_events": ("sponsor_id", "comment_id"),
    "notifications": "related_bill_id",
}
# One open review item per content, one open report per reporter and content (0014).
OPEN_ITEM_KEYS = {
    "moderation_queue": ("moderation_queue_open_content_key", "content_type, content_id"),
    "moderation_flags": (
        "moderation_flags_open_report_key",
        "content_type, content_id, reported_by",
    ),
}
# Time indexes for the analytics roll-ups and trending window (0015); the orders of a bill's
# threads (0019); the newest-first listing of bills, all or of one status (0020).
_THREADS = " WHERE (parent_comment_id IS NULL)"
ADDED_INDEXES = {
    "analytics_events": [
        "CREATE INDEX analytics_events_created_at_brin ON analytics_events USING brin (created_at)"
    ],
    "bill_analytics_summary": [
        "CREATE INDEX bill_analytics_summary_date_idx ON bill_analytics_summary USING btree (date)"
    ],
    "bill_comments": [
        "CREATE INDEX bill_comments_threads_popular_idx ON bill_comments USING btree"
        " (bill_id, (((upvotes)::bigint - downvotes)) DESC, created_at DESC, id DESC)" + _THREADS,
        "CREATE INDEX bill_comments_threads_time_idx ON bill_comments USING btree"
        " (bill_id, created_at DESC, id DESC)" + _THREADS,
        "CREATE INDEX bill_comments_threads_verified_idx ON bill_comments USING btree"
        " (bill_id, is_verified DESC, created_at DESC, id DESC)" + _THREADS,
    ],
    "bills": [
        "CREATE INDEX bills_listing_idx ON bills USING btree (created_at DESC, id DESC)",
        "CREATE INDEX bills_status_listing_idx ON bills USING btree"
        " (status, created_at DESC, id DESC)",
    ],
}
VOTE_CHECK = "CHECK ((vote_type = ANY (ARRAY['up'::text, 'down'::text])))"
ROLLUP_KEY = "analytics_daily_summary_date_event_type_event_category_key"
SEARCH_TRIGGERS = {
    "bills_search_vector_insert": "BEFORE INSERT ON bills FOR EACH ROW"
    " EXECUTE FUNCTION update_bills_search_vector()",
    "bills_search_vector_update": "BEFORE UPDATE OF title, summary, description, content ON bills"
    " FOR EACH ROW WHEN (((old.title IS DISTINCT FROM new.title)"
    " OR (old.summary IS DISTINCT FROM new.summary)"
    " OR (old.description IS DISTINCT FROM new.description)"
    " OR (old.content IS DISTINCT FROM new.content)))"
    " EXECUTE FUNCTION update_bills_search_vector()",
}
# 0016: every table has the audit trigger, with the columns it redacts and the ones it leaves out.
AUDIT_REDACTED = {table: "{" + ",".join(cols) + "}" for table, cols in SECRET_COLUMNS.items()}
AUDIT_IGNORED = {table: "{" + ",".join(cols) + "}" for table, cols in IGNORED_COLUMNS.items()}
# 0016-0018: the audit, the roles' helper and the row-level security lookups.
SECURITY_FUNCTIONS = {
    "audit_record_change()",
    "audit_enable(target regclass)",
    "audit_purge(older_than interval, batch_size integer)",
    "secure_schema()",
    "auth_session_owner(p_session_id text)",
    "auth_refresh_token_owner(p_token_hash text)",
    "auth_password_reset_owner(p_token_hash text)",
    "auth_owner_lookup(lookup text, VARIADIC secrets text[])",
    "auth_social_login_owners(p_provider text, p_provider_id text)",
}
_TYPES = {"timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone"}


def _quote(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute("SELECT quote_ident(%s)", (name,)).fetchone()
    assert row is not None
    return str(row[0])


def _type(kind: str) -> str:
    if kind == "serial":
        return "integer"
    return _TYPES.get(kind, kind.replace("varchar", "character varying"))


def _default(table: str, column: dict[str, Any]) -> str | None:
    if column["type"] == "serial":
        return f"nextval('{table}_id_seq'::regclass)"
    return column["default"]


def _normal_default(default: str | None) -> str | None:
    """'x'::text and 'x'::character varying are how PostgreSQL prints the spec's 'x'."""
    if default is None:
        return None
    return re.sub(r"^('.*')::(text|character varying)$", r"\1", default)


def _index_def(conn: psycopg.Connection[Any], table: str, index: dict[str, Any]) -> str:
    keys = ", ".join(
        _quote(conn, key["expr"]) + (" DESC" if key["order"] == "desc" else "")
        for key in index["columns"]
    )
    unique = "UNIQUE " if index["unique"] else ""
    where = f" WHERE {index['where']}" if index["where"] else ""
    return (
        f"CREATE {unique}INDEX {index['name']} ON {table} USING {index['method']} ({keys}){where}"
    )


def _spec_table(conn: psycopg.Connection[Any], table: dict[str, Any]) -> Table:
    name = table["name"]
    constraints = {f"{name}_pkey": "PRIMARY KEY (id)"}
    indexes = {f"{name}_pkey": f"CREATE UNIQUE INDEX {name}_pkey ON {name} USING btree (id)"}
    for fk in table["foreign_keys"]:
        constraints[fk["name"]] = (
            f"FOREIGN KEY ({fk['columns'][0]}) REFERENCES {fk['ref_table']}({fk['ref_columns'][0]})"
            f" ON DELETE {fk['on_delete'].upper()}"
        )
    for unique in table["unique"]:
        cols = ", ".join(_quote(conn, c) for c in unique["columns"])
        constraints[unique["name"]] = f"UNIQUE ({cols})"
        indexes[unique["name"]] = (
            f"CREATE UNIQUE INDEX {unique['name']} ON {name} USING btree ({cols})"
        )
    for check in table["checks"]:
        constraints[check["name"]] = f"CHECK (({check['expr']}))"
    for index in table["indexes"]:
        indexes[index["name"]] = _index_def(conn, name, index)
    triggers = {
        trigger["name"]: f"CREATE TRIGGER {trigger['name']} {trigger['event']} ON {name}"
        f" FOR EACH ROW EXECUTE FUNCTION {trigger['function']}()"
        for trigger in table.get("triggers", [])
    }
    columns = tuple(
        Column(c["name"], _type(c["type"]), not c["nullable"], _default(name, c))
        for c in table["columns"]
    )
    return Table(name, None, columns, constraints, indexes, triggers)


def _with_improvements(conn: psycopg.Connection[Any], table: Table) -> Table:
    """The spec's table as the improvement migrations leave it (the list above, spelled out)."""
    name = table.name
    indexes = {k: v for k, v in table.indexes.items() if k not in DROPPED_INDEXES.get(name, [])}
    constraints = dict(table.constraints)
    fk_columns = ADDED_FK_INDEXES.get(name, ())
    for column in (fk_columns,) if isinstance(fk_columns, str) else fk_columns:
        index = f"{name}_{column}_idx"
        indexes[index] = (
            f"CREATE INDEX {index} ON {name} USING btree ({column}) WHERE ({column} IS NOT NULL)"
        )
    if name in OPEN_ITEM_KEYS:
        index, keys = OPEN_ITEM_KEYS[name]
        indexes[index] = (
            f"CREATE UNIQUE INDEX {index} ON {name} USING btree ({keys})"
            " WHERE (status = ANY (ARRAY['pending'::text, 'escalated'::text]))"
        )
    for definition in ADDED_INDEXES.get(name, ()):
        indexes[definition.split()[2]] = definition
    if name == "comment_votes":
        constraints["comment_votes_vote_type_check"] = VOTE_CHECK
    if name == "analytics_daily_summary":
        constraints[ROLLUP_KEY] = "UNIQUE NULLS NOT DISTINCT (date, event_type, event_category)"
        indexes[ROLLUP_KEY] = (
            f"CREATE UNIQUE INDEX {ROLLUP_KEY} ON {name} USING btree"
            " (date, event_type, event_category) NULLS NOT DISTINCT"
        )
    triggers = dict(table.triggers)
    if name == "bills":
        triggers = {k: f"CREATE TRIGGER {k} {v}" for k, v in SEARCH_TRIGGERS.items()}
    triggers["audit_changes"] = (
        f"CREATE TRIGGER audit_changes AFTER INSERT OR DELETE OR UPDATE ON {name} FOR EACH ROW"
        f" EXECUTE FUNCTION audit_record_change('id', '{AUDIT_REDACTED.get(name, '{}')}',"
        f" '{AUDIT_IGNORED.get(name, '{}')}')"
    )
    return attrs.evolve(table, constraints=constraints, indexes=indexes, triggers=triggers)


def _comparable(table: Table) -> Table:
    columns = tuple(attrs.evolve(c, default=_normal_default(c.default)) for c in table.columns)
    return attrs.evolve(table, comment=None, columns=columns)


def test_head_schema_is_the_spec_plus_the_listed_improvements(
    conn: psycopg.Connection[Any],
) -> None:
    actual = read_catalog(conn)
    expected_tables = {
        t["name"]: _comparable(_with_improvements(conn, _spec_table(conn, t)))
        for t in spec_tables()
    }
    expected_tables["schema_migrations"] = _comparable(actual.tables["schema_migrations"])
    expected_tables["audit_log"] = _comparable(actual.tables["audit_log"])  # tests/test_security_*
    expected = Catalog("public", expected_tables, {}, {})
    live = Catalog("public", {name: _comparable(t) for name, t in actual.tables.items()}, {}, {})
    assert diff_catalogs(expected, live) == []
    assert len(expected_tables) == 48
    spec_indexes = sum(len(t["indexes"]) for t in spec_tables())
    assert spec_indexes == 179
    assert sum(len(t["foreign_keys"]) for t in spec_tables()) == 53


def test_every_table_has_its_spec_domain_and_every_serial_its_sequence(
    conn: psycopg.Connection[Any],
) -> None:
    catalog = read_catalog(conn)
    for table in spec_tables():
        live = catalog.tables[table["name"]]
        assert live.domain == table["domain"], table["name"]
        assert live.description
        if table["columns"][0]["type"] == "serial":
            owner = catalog.sequences[f"{table['name']}_id_seq"]
            assert owner == f"integer owned by {table['name']}.id"
    assert set(catalog.functions) == {
        "update_bills_search_vector()",
        "update_moderation_queue_updated_at()",
        "update_user_activity_summary_updated_at()",
        "update_bill_analytics_summary_updated_at()",
        *SECURITY_FUNCTIONS,
    }
    assert "'english'" in catalog.functions["update_bills_search_vector()"].body


def _insert_bill(conn: psycopg.Connection[Any], **text: str) -> int:
    row = conn.execute(
        "INSERT INTO bills (title, summary, description, content) VALUES"
        " (%(title)s, %(summary)s, %(description)s, %(content)s) RETURNING id",
        {"title": "t", "summary": None, "description": None, "content": None, **text},
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_search_vector_weights_title_a_summary_b_description_c_content_d(
    conn: psycopg.Connection[Any],
) -> None:
    bill = _insert_bill(
        conn,
        title="Finance Bill",
        summary="taxation",
        description="budgetary",
        content="procurement",
    )
    by_weight = conn.execute(
        "SELECT ts_filter(search_vector, '{a}')::text, ts_filter(search_vector, '{b}')::text,"
        " ts_filter(search_vector, '{c}')::text, ts_filter(search_vector, '{d}')::text"
        " FROM bills WHERE id = %s",
        (bill,),
    ).fetchone()
    assert by_weight == ("'bill':2A 'financ':1A", "'taxat':3B", "'budgetari':4C", "'procur':5")


def test_search_uses_the_gin_index(conn: psycopg.Connection[Any]) -> None:
    for n in range(20):
        _insert_bill(conn, title=f"bill {n}", content="climate adaptation fund")
    with conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = conn.execute(
            "EXPLAIN SELECT id FROM bills, plainto_tsquery('english', 'climate') AS q"
            " WHERE search_vector @@ q"
        ).fetchall()
    assert "idx_bills_search_vector" in "\n".join(row[0] for row in plan)


def test_search_trigger_skips_updates_that_leave_the_text_alone(
    conn: psycopg.Connection[Any],
) -> None:
    bill = _insert_bill(conn, title="Health Bill", summary="clinics")
    conn.execute("UPDATE bills SET search_vector = 'sentinel' WHERE id = %s", (bill,))
    conn.execute("UPDATE bills SET view_count = view_count + 1 WHERE id = %s", (bill,))
    conn.execute("UPDATE bills SET title = title, summary = summary WHERE id = %s", (bill,))
    row = conn.execute("SELECT search_vector::text FROM bills WHERE id = %s", (bill,)).fetchone()
    assert row == ("'sentinel'",)
    conn.execute("UPDATE bills SET summary = 'hospitals' WHERE id = %s", (bill,))
    row = conn.execute("SELECT search_vector::text FROM bills WHERE id = %s", (bill,)).fetchone()
    assert row is not None
    assert "'hospit':3B" in row[0]
    assert "sentinel" not in row[0]


def test_updated_at_triggers_set_the_time_of_the_update(conn: psycopg.Connection[Any]) -> None:
    seed(conn, rows=1, tables={"users", "moderation_queue"})
    conn.execute("UPDATE moderation_queue SET updated_at = '2000-01-01'")
    conn.execute("UPDATE moderation_queue SET priority = 4")
    row = conn.execute("SELECT updated_at > now() - interval '1 hour' FROM moderation_queue")
    assert row.fetchone() == (True,)


def _runner_at(url: DatabaseUrl, version: int) -> MigrationRunner:
    runner = MigrationRunner(url)
    runner.rollback(to=version)
    return runner


def test_vote_types_are_normalised_then_checked(database_url: DatabaseUrl) -> None:
    runner = _runner_at(database_url, 7)
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        seed(conn, rows=6, tables={"users", "sponsors", "bills", "bill_comments"})
        spellings = [" UP", "upvote", "Like", "down", "-1", "Dislike"]
        users = conn.execute("SELECT id FROM users ORDER BY id").fetchall()
        comment = conn.execute("SELECT min(id) FROM bill_comments").fetchone()
        for (user,), spelling in zip(users, spellings, strict=True):
            conn.execute(
                "INSERT INTO comment_votes (comment_id, user_id, vote_type) VALUES (%s, %s, %s)",
                (comment[0], user, spelling),  # type: ignore[index]
            )
        runner.migrate()
        votes = conn.execute("SELECT vote_type FROM comment_votes ORDER BY id").fetchall()
        assert [v for (v,) in votes] == ["up", "up", "up", "down", "down", "down"]
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE comment_votes SET vote_type = 'sideways'")
        validated = conn.execute(
            "SELECT convalidated FROM pg_constraint WHERE conname = 'comment_votes_vote_type_check'"
        )
        assert validated.fetchone() == (True,)


def test_unknown_vote_types_stop_the_migration_and_change_nothing(
    database_url: DatabaseUrl,
) -> None:
    runner = _runner_at(database_url, 7)
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        seed(conn, rows=2, tables={"users", "sponsors", "bills", "bill_comments"})
        users = conn.execute("SELECT id FROM users ORDER BY id").fetchall()
        comment = conn.execute("SELECT min(id) FROM bill_comments").fetchone()
        for (user,), spelling in zip(users, ["UP", "meh"], strict=True):
            conn.execute(
                "INSERT INTO comment_votes (comment_id, user_id, vote_type) VALUES (%s, %s, %s)",
                (comment[0], user, spelling),  # type: ignore[index]
            )
        with pytest.raises(MigrationFailed) as failure:
            runner.migrate()
        assert "0008_comment_vote_type_check.up.sql, line" in str(failure.value)
        assert "'meh' (1 rows)" in str(failure.value)
        votes = conn.execute("SELECT vote_type FROM comment_votes ORDER BY vote_type").fetchall()
        assert votes == [("UP",), ("meh",)]
    assert runner.status().current_version == 7


def test_duplicate_rollups_are_merged_before_nulls_become_not_distinct(
    database_url: DatabaseUrl,
) -> None:
    runner = _runner_at(database_url, 9)
    insert = (
        "INSERT INTO analytics_daily_summary (date, event_type, event_category, total_events)"
        " VALUES ('2024-05-01', 'view', %s, %s)"
    )
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        for category, total in [(None, 10), (None, 12), (None, 15), ("bills", 3)]:
            conn.execute(insert, (category, total))
        runner.migrate()
        rows = conn.execute(
            "SELECT event_category, total_events FROM analytics_daily_summary ORDER BY 1"
        ).fetchall()
        assert rows == [("bills", 3), (None, 15)]
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(insert, (None, 1))


def test_an_invalid_index_left_by_a_failed_build_is_rebuilt(database_url: DatabaseUrl) -> None:
    runner = _runner_at(database_url, 12)
    with psycopg.connect(database_url.conninfo(), autocommit=True) as conn:
        seed(conn, rows=1, tables={"sponsors", "regulations"})
        with pytest.raises(psycopg.errors.DivisionByZero):
            conn.execute(
                "CREATE INDEX CONCURRENTLY regulations_sponsor_id_idx"
                " ON regulations ((1 / (sponsor_id - sponsor_id)))"
            )
        runner.migrate()
        row = conn.execute(
            "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indexrelid = 'regulations_sponsor_id_idx'::regclass"
        ).fetchone()
    assert row == (
        True,
        "CREATE INDEX regulations_sponsor_id_idx ON public.regulations USING btree (sponsor_id)"
        " WHERE (sponsor_id IS NOT NULL)",
    )


def test_docs_schema_md_is_current(database_url: DatabaseUrl) -> None:
    committed = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert schema_docs_text(MigrationRunner(database_url)) == committed, (
        "docs/schema.md is stale: run 'chanuka-db migrate && chanuka-db schema-docs'"
    )
