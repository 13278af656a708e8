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
import inspect
import re
import time
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

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
from tests.test_sql_hostile import _server_text as server_text

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


def _row_kind(kind: Any) -> str | None:
    """``"new"`` or ``"patch"`` when ``kind`` is an insert or update row type (or its TypeVar)."""
    if isinstance(kind, typing.TypeVar):
        return {"NewT": "new", "PatchT": "patch"}.get(kind.__name__)
    if isinstance(kind, type) and issubclass(kind, Insert):
        return "new"
    if isinstance(kind, type) and issubclass(kind, Patch):
        return "patch"
    return None


def _is(kind: Any, abstract: type) -> bool:
    origin = typing.get_origin(kind)
    return origin is not None and isinstance(origin, type) and issubclass(origin, abstract)


class Arguments:
    """Builds well-formed and hostile arguments for the methods of one repository."""

    def __init__(self, repo: TableRepository[Any, Any, Any], parents: ParentRows) -> None:
        self.repo = repo
        self.info: TableInfo = repo.info()
        self.parents = parents

    def good(self, method: str) -> dict[str, Any]:
        """Well-formed arguments (the row types accept them)."""
        return {
            name: self.good_value(name, kind, default)
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

    def good_value(self, name: str, kind: Any, default: Any) -> Any:
        if default is not inspect.Parameter.empty:
            return default
        kind = _union_member(kind)
        row = _row_kind(kind)
        if row is not None:
            return self.new("plain text") if row == "new" else self.patch("plain text")
        if isinstance(kind, typing.TypeVar) or kind in (Any, object):
            return self.key()
        if _is(kind, Iterable) and not _is(kind, Mapping):
            return [self.good_value(name, typing.get_args(kind)[0], default)]
        samples = {str: "bills", uuid.UUID: uuid.UUID(int=0xA), int: 1}
        if kind in samples:
            return samples[kind]
        raise AssertionError(f"no well-formed value for {name}: {kind!r}: extend Arguments")

    def hostile_values(self, name: str, kind: Any, hostile: str) -> list[Any]:
        """Where a caller's text can go in this parameter, ``hostile`` goes."""
        kind = _union_member(kind)
        row = _row_kind(kind)
        if row is not None:
            return [self.new(hostile) if row == "new" else self.patch(hostile)]
        if _is(kind, Mapping):
            return self.filters(hostile)
        if _is(kind, Iterable):
            return [[v] for v in self.hostile_values(name, typing.get_args(kind)[0], hostile)]
        if name == "sort":
            return [hostile, (self.text_column(), hostile), [hostile]]
        if isinstance(kind, typing.TypeVar) or kind in (Any, object, str):
            return [hostile]
        if kind not in (int, bool, uuid.UUID, dt.datetime):
            raise AssertionError(f"no hostile corpus for {name}: {kind!r}: extend Arguments")
        return []  # no text goes there (wrong types: the validation test below)

    def key(self) -> Any:
        (column,) = [c for c in self.info.columns if c.name == self.info.primary_key[0]]
        return {SqlKind.UUID: uuid.UUID(int=1), SqlKind.TEXT: "k", SqlKind.VARCHAR: "k"}.get(
            column.kind, 1
        )

    def text_column(self) -> str:
        texts = [c.name for c in self.writable_texts()]
        return texts[0] if texts else self.info.primary_key[0]

    def writable_texts(self) -> list[Any]:
        return [
            c
            for c in self.info.columns
            if c.writable
            and c.kind in (SqlKind.TEXT, SqlKind.VARCHAR)
            and not c.references
            and not c.primary_key
            and (self.info.name, c.name) not in CHECKED_VALUES
        ]

    def filters(self, hostile: str) -> list[Any]:
        column = self.text_column()
        return [
            {hostile: 1},
            {column: {hostile: "x"}},
            {column: hostile},
            {column: {"ilike": hostile}},
            {column: {"in": [hostile, "x"]}},
        ]

    def new(self, text: str) -> Any:
        values = {
            c.name: self.parents.minimal_value(self.info.name, c)
            for c in self.info.columns
            if c.required_on_insert
        }
        for column in self.writable_texts():
            if column.max_length is None or column.max_length >= len(text):
                values[column.name] = text
        return _typed(lambda: self.info.new_type(**values))

    def patch(self, text: str) -> Any:
        texts = self.writable_texts()
        if texts:
            changes = {texts[0].name: text}
        else:  # no free text: change some other plain column
            column = next(
                c
                for c in self.info.columns
                if c.writable
                and not c.primary_key
                and not c.references
                and (self.info.name, c.name) not in CHECKED_VALUES
            )
            changes = {column.name: self.parents.minimal_value(self.info.name, column)}
        return _typed(lambda: self.info.patch_type(**changes))


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

    def check(self, before: tuple[Any, int], table: str, method: str, what: str) -> None:
        """No table came or went, no write beyond the one asked, only compiled statements."""
        tables, last = before
        assert self.tables() == tables, f"{what}: the set of tables changed"
        writes = self.checker.execute(
            "SELECT table_name, operation FROM audit_log WHERE id > %s ORDER BY id", (last,)
        ).fetchall()
        assert set(writes) <= _intended(table, method), f"{what}: unexpected writes {writes}"
        compiled = {server_text(shape.sql) for shape in self.db.queries.stats()}
        for entry in self.log.entries:
            assert MARKER.lower() not in entry.lower(), f"{what}: payload text in {entry!r}"
            assert entry in compiled or _is_control(entry), f"{what}: ran {entry!r}"


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

    def attack(self, repo_name: str, method: str, *hostile: str) -> None:
        """Call the method with each payload in each parameter; then ask the oracle."""
        repo = getattr(self.db.repos, repo_name)
        arguments = Arguments(repo, self.parents)
        what = f"{repo_name}.{method} with {hostile!r}"
        calls = [kwargs for text in hostile for kwargs in arguments.variants(method, text)]
        before = self.oracle.snapshot()  # after the parent rows the calls need were written
        for kwargs in calls:
            started = time.monotonic()
            with contextlib.suppress(ChanukaDbError):  # a typed error: a refused input
                getattr(repo, method)(**kwargs)
            elapsed = time.monotonic() - started
            assert elapsed < _SLEEP_S, f"{what}: {elapsed:.1f} s: did pg_sleep run?"
            self.calls += 1
        self.oracle.check(before, repo.info().name, method, what)


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
        harness.oracle.check(before, "bills", "find", "an injected call")


# -- input validation: a wrong type or range names its parameter, before any SQL -------------

WRONG: Final[dict[Any, list[Any]]] = {
    int: [-1, 2**40, "1", 1.5, None],
    uuid.UUID: ["not-a-uuid", 1],
    dt.datetime: [dt.datetime(2024, 1, 1), "2024-01-01", 0],
    str: [1, b"bytes", ["list"]],
}


def wrong_values(kind: Any, column: str) -> list[Any]:
    """Values a parameter of type ``kind`` must refuse (``column``: one of the table's)."""
    kind = _union_member(kind)
    if isinstance(kind, typing.TypeVar) or kind in (Any, object):
        return [object(), {"a": 1}]
    if _is(kind, Mapping):
        return [f"{column}=1", [column], {column: object()}]
    if _is(kind, Iterable):
        return [None, 5]
    return WRONG.get(kind, [object()])


def test_every_parameter_refuses_wrong_values_by_name(harness: Harness) -> None:
    """One database for all methods: each wrong value must be refused, by name, before SQL."""
    problems = [problem for repo, method in METHODS for problem in _refusals(harness, repo, method)]
    assert problems == []


def _refusals(harness: Harness, repo_name: str, method: str) -> Iterator[str]:
    repo = getattr(harness.db.repos, repo_name)
    arguments = Arguments(repo, harness.parents)
    good = arguments.good(method)
    blamable = {*repo.info().column_names, repo.info().name}
    for name, kind, default in parameters(type(repo), method):
        for value in wrong_values(kind, arguments.text_column()):
            if value is default or (value is None and default is None):
                continue
            call = f"{repo_name}.{method}({name}={value!r})"
            harness.oracle.snapshot()
            try:
                getattr(repo, method)(**{**good, name: value})
            except InvalidInput as refused:
                field = refused.field
                if not (field == name or field.startswith(f"{name}[") or field in blamable):
                    yield f"{call} blamed {field!r}"
            except Exception as other:  # every other outcome is a finding
                yield f"{call} raised {type(other).__name__}: {other}"
            else:
                yield f"{call} was accepted"
            ran = [e for e in harness.oracle.log.entries if not _is_control(e)]
            if ran:
                yield f"{call}: SQL ran before the refusal: {ran}"
