"""Injection corpus over every public repository method, found by introspection.

Every method of every repository reachable from a unit of work (so a method added later is
covered without editing this file) is called with SQL-injection payloads built from
sqlmap's families (boolean blind, error based, UNION, stacked queries, time blind, inline
queries) in every quoting variant, in each of its string, key, identifier, sort, filter
and row parameters. The verdict is by behaviour, from the server's side:

- the statement log (``log_statement = 'all'`` on the pool's only connection) holds only
  statements this layer compiled, and never the payload's text;
- no table appeared or vanished, and the audit trail (every write to every table is in it)
  shows no write beyond the one the method was asked for;
- no call took long enough for a ``pg_sleep(10)`` to have run;
- the call returned plain data or raised a typed error (``chanuka_db.errors``).

A second test gives every parameter a value of the wrong type or range and requires
``InvalidInput`` naming it, before any statement reaches the server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import inspect
import re
import time
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanuka_db import Database
from chanuka_db.errors import ChanukaDbError, InvalidInput
from chanuka_db.pool import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.pool.session import (
    COMMIT,
    COMMIT_AND_RESET,
    RESET_SQL,
    ROLLBACK,
    ROLLBACK_AND_RESET,
)
from chanuka_db.repositories import Repositories, TableRepository
from chanuka_db.types import REGISTRY, SqlKind, TableInfo
from chanuka_db.types.models import Insert, Patch
from tests.strategies import CHECKED_VALUES, ParentRows
from tests.test_sql_hostile import StatementLog

# Hostile values through every filter of every table: shapes no service sends, not judged by
# the query-plan gate.
pytestmark = pytest.mark.unjudged

MARKER: Final = "zq9xk"
FAMILIES: Final = {
    "boolean blind": ("{q} OR {q}1{q}={q}1{c}", "{q} AND 1=2{c}", "1 OR 1=1"),
    "error based": ("{q} AND 1=CAST((SELECT version()) AS int){c}", "{q}||(SELECT 1/0)||{q}"),
    "union": ("{q} UNION SELECT NULL, NULL{c}", "{q} UNION ALL SELECT password_hash FROM users{c}"),
    "stacked queries": ("{q}; DROP TABLE bills{c}", "{q}; UPDATE users SET role = {q}admin{q}{c}"),
    "time blind": ("{q} AND pg_sleep(10) IS NULL{c}", "{q}; SELECT pg_sleep(10){c}"),
    "inline queries": ("(SELECT password_hash FROM users LIMIT 1)", "{q}||(SELECT current_user)"),
}
QUOTES: Final = ("'", "''", "\\'", "$$", "E'", '"', "')", "1", "")
COMMENTS: Final = ("--", "/*", ";--", "#", "")
DISGUISES: Final[dict[str, Callable[[str], str]]] = {
    "plain": lambda p: p,
    "NUL": lambda p: p + "\x00",
    "fullwidth": lambda p: p.replace("'", "\uff07").replace("-", "\uff0d"),
    "modifier apostrophe": lambda p: p.replace("'", "\u02bc"),
    "Greek question mark": lambda p: p.replace(";", "\u037e"),
    "zero-width": lambda p: "\u200b" + p,
    "upper": str.upper,
}
TEMPLATES: Final = [t for family in FAMILIES.values() for t in family]
_SLEEP_S: Final = 5.0  # the payloads sleep 10 s; nothing else here takes a second
_METADATA: Final = frozenset({"info", "row_type", "key"})


def payload(template: str, quote: str, comment: str, disguise: str) -> str:
    """One hostile string; it carries MARKER so its text is recognisable anywhere."""
    return DISGUISES[disguise](MARKER + template.format(q=quote, c=comment))


payloads = st.builds(
    payload,
    st.sampled_from(TEMPLATES),
    st.sampled_from(QUOTES),
    st.sampled_from(COMMENTS),
    st.sampled_from(list(DISGUISES)),
)


# -- the methods, by introspection ----------------------------------------------------------


def repository_classes() -> dict[str, type[TableRepository[Any, Any, Any]]]:
    """Every repository a unit of work exposes, by attribute name (aliases once)."""
    found: dict[type, str] = {}
    for name, value in vars(Repositories).items():
        cls = getattr(value, "cls", None)
        if isinstance(cls, type) and issubclass(cls, TableRepository):
            found.setdefault(cls, name)
    return {name: cls for cls, name in found.items()}


def public_methods(cls: type) -> list[str]:
    """The public instance methods of a repository class (own and inherited)."""
    return sorted(
        name
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in _METADATA
    )


METHODS: Final = [
    (repo, method) for repo, cls in repository_classes().items() for method in public_methods(cls)
]


def parameters(cls: type, method: str) -> list[tuple[str, Any, Any]]:
    """(name, annotation, default) of each parameter, with the generic types resolved."""
    function = getattr(cls, method)
    hints = typing.get_type_hints(function)
    signature = inspect.signature(function)
    return [
        (name, hints.get(name, Any), p.default)
        for name, p in signature.parameters.items()
        if name != "self"
    ]


# -- arguments for a parameter, by its type --------------------------------------------------


def _union_member(kind: Any) -> Any:
    """``X`` for ``X | None`` (and ``Optional[X]``); ``kind`` itself otherwise."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(kind) if a is not type(None)]
        return members[0] if members else type(None)
    return kind


def _is(kind: Any, abstract: type) -> bool:
    origin = typing.get_origin(kind)
    return origin is not None and isinstance(origin, type) and issubclass(origin, abstract)


def _is_class(kind: Any, base: type) -> bool:
    return isinstance(kind, type) and issubclass(kind, base)


# Well-formed values of the plain parameter types (no caller text goes in these).
_SAMPLES: Final[dict[Any, Any]] = {
    str: "bills",
    uuid.UUID: uuid.UUID(int=0xA),
    int: 1,
    bool: True,
    dt.timedelta: dt.timedelta(hours=1),
    dt.date: dt.date(2026, 1, 1),
    float: 0.0,
    dt.datetime: dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    Decimal: Decimal(1),
}


# Well-formed text for parameters whose text has a format (by parameter name).
_FORMATTED: Final[dict[str, str]] = {
    "token_hash": "0123456789abcdef" * 4,
    "new_token_hash": "fedcba9876543210" * 4,
    "session_id": "0123456789abcdef" * 4,
    "email": "citizen@example.org",
    "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
    "ip": "10.0.0.1",
    "table": "bills",
}
# Columns of rows whose text the repositories check against their own rules.
_ROW_TEXT: Final[dict[tuple[str, str], str]] = {
    ("users", "email"): "citizen@example.org",
    ("security_audit_logs", "result"): "success",
    ("sync_errors", "level"): "error",
    ("bills", "bill_number"): "NA 1/2026",
}
# Well-formed values of other parameters whose range depends on the method (by name).
_NAMED: Final[dict[str, Any]] = {
    "older_than": dt.timedelta(days=400),
    "until": dt.datetime(2027, 1, 1, tzinfo=dt.UTC),  # after the samples' "since"
}


class Arguments:
    """Builds well-formed and hostile arguments for the methods of one repository."""

    def __init__(self, repo: TableRepository[Any, Any, Any], parents: ParentRows) -> None:
        self.repo = repo
        self.info: TableInfo = repo.info()
        self.parents = parents

    def good(self, method: str) -> dict[str, Any]:
        """Well-formed arguments (the row types accept them)."""
        return {
            name: default
            if default is not inspect.Parameter.empty
            else _NAMED.get(name) or self.good_value(kind, name)
            for name, kind, default in parameters(type(self.repo), method)
        }

    def variants(self, method: str, hostile: str) -> Iterator[dict[str, Any]]:
        """Keyword arguments with ``hostile`` in one parameter at a time, the rest good.

        A row the row types refuse to build (a NUL, a lone surrogate) is left out: that is
        a typed error before any SQL.
        """
        good = self.good(method)
        for name, kind, _ in parameters(type(self.repo), method):
            try:
                values = self.hostile_values(name, kind, hostile)
            except Refused:
                continue
            for value in values:
                yield {**good, name: value}

    def row_class(self, kind: Any) -> type | None:
        """The insert or update row type ``kind`` stands for (a TypeVar: this repository's)."""
        if isinstance(kind, typing.TypeVar):
            types_ = {"NewT": self.info.new_type, "PatchT": self.info.patch_type}
            return types_.get(kind.__name__)
        return kind if _is_class(kind, Insert) or _is_class(kind, Patch) else None

    def good_value(self, kind: Any, name: str = "") -> Any:
        kind = _union_member(kind)
        rows = self.row_class(kind)
        if rows is not None:
            return self.row(rows, None)
        if isinstance(kind, typing.TypeVar) or kind in (Any, object):
            return self.key()
        if kind is str:
            return _FORMATTED.get(name, "plain text")
        if typing.get_origin(kind) is not None:
            return self.good_collection(kind)
        return self.plain_good(kind)

    def plain_good(self, kind: Any) -> Any:
        if _is_class(kind, enum.Enum):
            return list(kind)[-1]  # the last: a settled state rather than "pending"
        if attrs.has(kind):
            return kind(**self.fields(kind))
        if kind in _SAMPLES:
            return _SAMPLES[kind]
        raise AssertionError(f"no well-formed value for {kind!r}: extend Arguments")

    def good_collection(self, kind: Any) -> Any:
        args = typing.get_args(kind)
        if _is(kind, tuple):
            return tuple(self.good_value(arg) for arg in args)
        if _is(kind, Mapping):
            return {}  # an empty JSON object
        try:
            return [self.good_value(args[0])]
        except AssertionError:
            return []  # a JSON array

    def hostile_values(self, name: str, kind: Any, hostile: str) -> list[Any]:
        """Where a caller's text can go in this parameter, ``hostile`` goes."""
        kind = _union_member(kind)
        rows = self.row_class(kind)
        if rows is not None:
            return [self.row(rows, hostile)]
        if name in ("filters", "sort"):
            column = self.text_column(self.info)
            return self.filters(hostile) if name == "filters" else [hostile, (column, hostile)]
        if typing.get_origin(kind) is not None:
            return self.hostile_collection(name, kind, hostile)
        return self.plain_hostile(kind, hostile)

    def hostile_collection(self, name: str, kind: Any, hostile: str) -> list[Any]:
        args = typing.get_args(kind)
        if _is(kind, tuple):
            return self.tuples(args, hostile)
        if _is(kind, Mapping) or _is(kind, list):
            return [{hostile: hostile}] if _is(kind, Mapping) else [[hostile]]  # JSON data
        return [[v] for v in self.hostile_values(name, args[0], hostile)]

    def fields(self, kind: type) -> dict[str, Any]:
        """Well-formed values of the fields of an attrs value class that have no default."""
        hints = typing.get_type_hints(kind)
        return {
            f.name: self.good_value(hints[f.name], f.name)
            for f in attrs.fields(kind)
            if f.default is attrs.NOTHING
        }

    def plain_hostile(self, kind: Any, hostile: str) -> list[Any]:
        if isinstance(kind, typing.TypeVar) or kind in (Any, object, str):
            return [hostile]
        if _is_class(kind, enum.Enum):
            return [hostile]  # the parameter takes the enum or its text
        if attrs.has(kind):  # its text fields, one at a time
            good, hints = self.fields(kind), typing.get_type_hints(kind)
            texts = [f.name for f in attrs.fields(kind) if _union_member(hints[f.name]) is str]
            return [_typed(lambda n=name: kind(**{**good, n: hostile})) for name in texts]
        if kind in _SAMPLES:
            return []  # no text goes there (wrong types: the validation test below)
        raise AssertionError(f"no hostile corpus for {kind!r}: extend Arguments")

    def tuples(self, kinds: tuple[Any, ...], hostile: str) -> list[Any]:
        good = [self.good_value(kind) for kind in kinds]
        return [
            (*good[:n], value, *good[n + 1 :])
            for n, kind in enumerate(kinds)
            for value in self.hostile_values(f"[{n}]", kind, hostile)
        ]

    def key(self) -> Any:
        (column,) = [c for c in self.info.columns if c.name == self.info.primary_key[0]]
        return {SqlKind.UUID: uuid.UUID(int=1), SqlKind.TEXT: "k", SqlKind.VARCHAR: "k"}.get(
            column.kind, 1
        )

    @staticmethod
    def text_column(info: TableInfo) -> str:
        texts = [c.name for c in writable_texts(info)]
        return texts[0] if texts else info.primary_key[0]

    def filters(self, hostile: str) -> list[Any]:
        column = self.text_column(self.info)
        return [
            {hostile: 1},
            {column: {hostile: "x"}},
            {column: hostile},
            {column: {"ilike": hostile}},
            {column: {"in": [hostile, "x"]}},
        ]

    def row(self, row_type: type, text: str | None) -> Any:
        """An insert or an update: well-formed (``text`` None: required columns only), or
        with ``text`` in every free-text column."""
        info = REGISTRY.table(typing.cast(Any, row_type).__table__)
        texts = writable_texts(info)
        if _is_class(row_type, Insert):
            values = {
                c.name: _ROW_TEXT.get((info.name, c.name))
                or self.parents.minimal_value(info.name, c)
                for c in info.columns
                if c.required_on_insert or (info.name, c.name) in _ROW_TEXT
            }
            for column in texts if text is not None else []:
                if column.max_length is None or column.max_length >= len(text):
                    values[column.name] = text
            return _typed(lambda: row_type(**values))
        column = texts[0] if texts else next(c for c in plain_columns(info))
        value = text if texts and text is not None else None
        if value is None:
            value = _ROW_TEXT.get((info.name, column.name)) or self.parents.minimal_value(
                info.name, column
            )
        return _typed(lambda: row_type(**{column.name: value}))


def writable_texts(info: TableInfo) -> list[Any]:
    """The free-text columns of a table a caller may write."""
    return [c for c in plain_columns(info) if c.kind in (SqlKind.TEXT, SqlKind.VARCHAR)]


def plain_columns(info: TableInfo) -> list[Any]:
    """Writable columns that are no key, no reference and under no CHECK."""
    return [
        c
        for c in info.columns
        if c.writable
        and not c.primary_key
        and not c.references
        and (info.name, c.name) not in CHECKED_VALUES
    ]


class Refused(Exception):
    """An argument could not even be built: the types refused it (a typed error, no SQL)."""


def _typed(build: Callable[[], Any]) -> Any:
    try:
        return build()
    except InvalidInput as exc:
        raise Refused(str(exc)) from exc


# -- the oracle: the server's statement log, the catalog, the audit ----------------------------

# What the pool itself sends around the layer's statements: transaction control and reset.
_RESETS: Final = {
    text.decode() for text in (RESET_SQL, COMMIT_AND_RESET, ROLLBACK_AND_RESET, COMMIT, ROLLBACK)
}
_CONTROL: Final = re.compile(
    r"^(BEGIN( ISOLATION LEVEL [A-Z ]+?)?( READ WRITE| READ ONLY)( DEFERRABLE)?"
    r"|(SAVEPOINT|RELEASE SAVEPOINT) chanuka_sp_\d+"
    r"|ROLLBACK TO SAVEPOINT chanuka_sp_\d+; RELEASE chanuka_sp_\d+)$"
)


def _is_control(entry: str) -> bool:
    return entry in _RESETS or _CONTROL.match(entry) is not None


class Oracle:
    """Checks one call against the server's own record of what happened."""

    def __init__(self, db: Database, checker: psycopg.Connection[Any], log: StatementLog) -> None:
        self.db, self.checker, self.log = db, checker, log

    def tables(self) -> Any:
        return self.checker.execute(
            "SELECT array_agg(relname ORDER BY relname) FROM pg_class"
            " WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        ).fetchone()

    def snapshot(self) -> tuple[Any, int]:
        """The tables and the newest audit row before a call; the statement log emptied."""
        last = self.checker.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()
        self.log.entries.clear()
        return (self.tables(), int(last[0]) if last else 0)

    def check(self, before: tuple[Any, int], allowed: set[Any], what: str) -> None:
        """No table came or went, no write beyond the ``allowed`` (table, operation) pairs,
        only statements this layer compiled, and never the payload's text in one."""
        tables, last = before
        assert self.tables() == tables, f"{what}: the set of tables changed"
        writes = self.checker.execute(
            "SELECT table_name, operation FROM audit_log WHERE id > %s ORDER BY id", (last,)
        ).fetchall()
        assert set(writes) <= allowed, f"{what}: unexpected writes {writes}"
        compiled = {server_text(shape.sql) for shape in self.db.queries.stats()}
        for entry in self.log.entries:
            assert MARKER.lower() not in entry.lower(), f"{what}: payload text in {entry!r}"
            assert entry in compiled or _is_control(entry), f"{what}: ran {entry!r}"


def server_text(sql: str) -> str:
    """Our statement as the server logs it: ``$n`` for ``%s`` and ``%(name)s`` (a name used
    twice is one parameter), ``%`` for ``%%``."""
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        key = match[1] if match[1] is not None else f"#{len(numbers)}"
        return f"${numbers.setdefault(key, len(numbers) + 1)}"

    return re.sub(r"%\((\w+)\)s|%s", number, sql).replace("%%", "%")


def _intended(table: str, method: str) -> set[tuple[str, str]]:
    operation = {"add": "INSERT", "add_many": "INSERT", "update": "UPDATE", "delete": "DELETE"}
    return {(table, operation[method])} if method in operation else set()


# -- running a call ------------------------------------------------------------------------


@pytest.fixture
def harness(database_url: DatabaseUrl, conn: psycopg.Connection[Any]) -> Iterator[Harness]:
    logged = database_url.with_params(options="-c log_statement=all -c client_min_messages=log")
    config = DatabaseConfig.for_environment(Environment.TEST, url=logged, pool_min=1, pool_max=1)
    log = StatementLog()
    with Database(config) as db:
        with db.connection() as pooled:  # the pool's only connection, for every call
            pooled.add_notice_handler(log)
        yield Harness(db, Oracle(db, conn, log), ParentRows(conn))


class Harness:
    """The services' Database on the test database, its oracle, and parent rows for inserts."""

    def __init__(self, db: Database, oracle: Oracle, parents: ParentRows) -> None:
        self.db, self.oracle, self.parents = db, oracle, parents
        self.calls = 0

    def benign(self, repo: Any, method: str, kwargs: dict[str, Any]) -> tuple[set[Any], str]:
        """What the method writes with well-formed arguments (undone again), and the field it
        refuses if it refuses them: the yardstick for what hostile arguments may do."""
        found: tuple[set[Any], str] = (set(), "")
        with contextlib.suppress(_Undo), self.db.transaction() as conn:
            last = conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()
            try:
                with self.db.transaction():  # a savepoint: a refusal leaves the rest usable
                    getattr(repo, method)(**kwargs)
            except InvalidInput as refused:
                found = (set(), refused.field)
            except ChanukaDbError:
                pass
            writes = conn.execute(
                "SELECT DISTINCT table_name, operation FROM audit_log WHERE id > %s",
                (last[0] if last else 0,),
            ).fetchall()
            found = (set(writes), found[1])
            raise _Undo
        return found

    def attack(self, repo_name: str, method: str, *hostile: str) -> None:
        """Call the method with each payload in each parameter; then ask the oracle."""
        repo = getattr(self.db.repos, repo_name)
        arguments = Arguments(repo, self.parents)
        what = f"{repo_name}.{method} with {hostile!r}"
        calls = [kwargs for text in hostile for kwargs in arguments.variants(method, text)]
        benign, _ = self.benign(repo, method, arguments.good(method))
        # an insert may meet its own earlier row and update it instead (upserts)
        allowed = benign | {(table, "UPDATE") for table, op in benign if op == "INSERT"}
        before = self.oracle.snapshot()  # after the parent rows the calls need were written
        for kwargs in calls:
            started = time.monotonic()
            with contextlib.suppress(ChanukaDbError):  # a typed error: a refused input
                getattr(repo, method)(**kwargs)
            elapsed = time.monotonic() - started
            assert elapsed < _SLEEP_S, f"{what}: {elapsed:.1f} s: did pg_sleep run?"
            self.calls += 1
        self.oracle.check(before, allowed | _intended(repo.info().name, method), what)


class _Undo(Exception):
    """Rolls the benign call back."""


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_the_corpus_reaches_every_method_of_every_repository() -> None:
    assert len(repository_classes()) == len(REGISTRY)  # one repository per table
    names = {method for _, method in METHODS}
    generic = {"find", "get", "get_many", "list", "count", "add", "add_many", "update", "delete"}
    assert generic | {"for_record", "for_actor"} <= names


def test_every_family_and_quoting_reaches_every_method(harness: Harness) -> None:
    """Deterministic sweep: each method gets three families, the rest rotate in over the
    47 repositories, so every family meets every kind of method many times; quoting,
    comment and disguise rotate too."""
    families = list(FAMILIES.values())
    for n, (repo, method) in enumerate(METHODS):
        chosen = [families[(n + k) % len(families)] for k in (0, 2, 4)]
        harness.attack(
            repo,
            method,
            *(
                payload(
                    family[n % len(family)],
                    QUOTES[(n + k) % len(QUOTES)],
                    COMMENTS[(n * 3 + k) % len(COMMENTS)],
                    list(DISGUISES)[(n + 2 * k) % len(DISGUISES)],
                )
                for k, family in enumerate(chosen)
            ),
        )
    assert harness.calls >= 3 * len(METHODS)


@SETTINGS
@given(data=st.data())
def test_random_payloads_into_random_methods(harness: Harness, data: st.DataObject) -> None:
    repo, method = data.draw(st.sampled_from(METHODS))
    harness.attack(repo, method, data.draw(payloads))


def test_the_oracle_would_see_an_injection(harness: Harness) -> None:
    """The checks are not vacuous: a stacked statement and an unasked write are caught."""
    before = harness.oracle.snapshot()
    with harness.db.connection() as pooled:
        pooled.execute(f"SELECT 1; UPDATE bills SET title = '{MARKER}'")
        pooled.execute("INSERT INTO departments (name) VALUES ('sneaked in')")
    with pytest.raises(AssertionError, match=r"unexpected writes|payload text|ran"):
        harness.oracle.check(before, set(), "an injected call")


# -- input validation: a wrong type or range names its parameter, before any SQL -------------

# Values wrong for a parameter's type whatever the method (ranges differ per method).
WRONG: Final[dict[Any, list[Any]]] = {
    int: ["1", 1.5, 2**70],
    bool: ["yes"],
    uuid.UUID: ["not-a-uuid", 1],
    dt.datetime: ["2024-01-01", 0],
    dt.timedelta: ["1h", 3600],
    dt.date: ["2026-01-01", 0],
    float: ["x", float("nan")],
    Decimal: ["x", object()],
    str: [1, b"bytes", ["list"]],
}


def wrong_values(name: str, kind: Any, column: str) -> list[Any]:
    """Values a parameter of type ``kind`` must refuse (``column``: one of the table's)."""
    kind = _union_member(kind)
    if isinstance(kind, typing.TypeVar) or kind in (Any, object):
        return [object(), {"a": 1}]
    if name == "filters":
        return [f"{column}=1", [column], {column: object()}]
    if _is(kind, Mapping) or _is(kind, list) or attrs.has(kind) or _is(kind, tuple):
        return [object()]
    if _is(kind, Iterable):
        return [None, 5]
    if _is_class(kind, enum.Enum):
        return ["no-such-member", 3]
    return WRONG.get(kind, [object()])


def test_every_parameter_refuses_wrong_values_by_name(harness: Harness) -> None:
    """One database for all methods: each wrong value must be refused, by name, before SQL.

    A method whose well-formed arguments this generic builder cannot make (its domain rules
    refuse them) cannot be checked this way; there must stay very few of those.
    """
    unchecked: list[str] = []
    problems = [
        problem
        for repo, method in METHODS
        for problem in _refusals(harness, repo, method, unchecked)
    ]
    assert problems == [], "\n".join(problems)
    assert len(unchecked) <= 3, f"wrong values not checked for {unchecked}"


def _refusals(harness: Harness, repo_name: str, method: str, unchecked: list[str]) -> Iterator[str]:
    repo = getattr(harness.db.repos, repo_name)
    arguments = Arguments(repo, harness.parents)
    good = arguments.good(method)
    _, refused_anyway = harness.benign(repo, method, good)
    if refused_anyway == repo.info().name:
        return  # the method refuses every call (the read-only audit's writes)
    if refused_anyway:
        unchecked.append(f"{repo_name}.{method} ({refused_anyway})")
        return
    blamable = {*repo.info().column_names, repo.info().name}
    for name, kind, default in parameters(type(repo), method):
        for value in wrong_values(name, kind, arguments.text_column(repo.info())):
            if value is default or (value is None and default is None):
                continue
            yield from _refusal(harness, (repo, method, name, value), good, blamable)


def _refusal(
    harness: Harness, call: tuple[Any, str, str, Any], good: dict[str, Any], blamable: set[str]
) -> Iterator[str]:
    repo, method, name, value = call
    what = f"{repo.info().name}.{method}({name}={value!r})"
    harness.oracle.snapshot()
    try:
        getattr(repo, method)(**{**good, name: value})
    except InvalidInput as refused:
        path = re.split(r"[\[\].]", refused.field)
        if name not in path and path[0] not in blamable:
            yield f"{what} blamed {refused.field!r}"
    except Exception as other:  # every other outcome is a finding
        yield f"{what} raised {type(other).__name__}: {other}"
    else:
        yield f"{what} was accepted"
    ran = [e for e in harness.oracle.log.entries if not _is_control(e)]
    if ran:
        yield f"{what}: SQL ran before the refusal: {ran}"
