"""Typed column and table references, and the pure predicates/orderings they build (no SQL here).

``tables.bills.status == "introduced"`` builds a :class:`Comparison` value object; the
query layer (``chanuka_db.sql``) turns such trees into parameterized SQL once per shape.
Values stay Python values until psycopg binds them; nothing here renders text.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

import attrs

from chanuka_db.errors import InvalidInput

if TYPE_CHECKING:
    from chanuka_db.types.base import ColumnInfo, TableInfo

__all__ = [
    "And",
    "ArithOp",
    "Arithmetic",
    "ColumnRef",
    "Comparison",
    "Direction",
    "Not",
    "Nulls",
    "Op",
    "Or",
    "Ordering",
    "Param",
    "Predicate",
    "TableRef",
    "attach",
    "column_of",
    "columns_of",
    "info_of",
    "name_of",
]

T = TypeVar("T")


class Op(enum.Enum):
    """Comparison operators a predicate can use; the query layer maps each to SQL."""

    EQ = "="
    NE = "<>"
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT_IN = "not in"
    BETWEEN = "between"
    IS_NULL = "is null"
    IS_NOT_NULL = "is not null"
    LIKE = "like"
    ILIKE = "ilike"
    CONTAINS = "@>"
    OVERLAPS = "&&"


class ArithOp(enum.Enum):
    """Arithmetic an assignment can use (``SET view_count = view_count + 1``)."""

    ADD = "+"
    SUB = "-"
    MUL = "*"


class _Arithmetic:
    """``+``, ``-`` and ``*`` build :class:`Arithmetic` value objects (for SET and upserts)."""

    __slots__ = ()

    def __add__(self, other: object) -> Arithmetic:
        return Arithmetic(self, ArithOp.ADD, other)

    def __sub__(self, other: object) -> Arithmetic:
        return Arithmetic(self, ArithOp.SUB, other)

    def __mul__(self, other: object) -> Arithmetic:
        return Arithmetic(self, ArithOp.MUL, other)


@attrs.frozen(eq=False)
class Arithmetic(_Arithmetic):
    """``left op right``: operands are columns, values, :class:`Param` s or other expressions."""

    left: Any
    op: ArithOp
    right: Any


class Direction(enum.Enum):
    """Sort direction: an enum, so a request's "asc"/"desc" never reaches SQL as text."""

    ASC = "asc"
    DESC = "desc"

    @classmethod
    def parse(cls, text: object) -> Direction:
        """Accept ``"asc"``/``"desc"`` (any case) from a request; anything else is refused."""
        if isinstance(text, Direction):
            return text
        if isinstance(text, str) and text.strip().lower() in ("asc", "desc"):
            return cls(text.strip().lower())
        raise InvalidInput("direction", f"{text!r} is not 'asc' or 'desc'")


class Nulls(enum.Enum):
    """Where NULLs sort."""

    FIRST = "first"
    LAST = "last"


@attrs.frozen
class Param:
    """A named placeholder: the value is bound when the statement runs, not when it is built."""

    name: str


class _Combinable:
    """``&``, ``|`` and ``~`` on predicates."""

    __slots__ = ()

    def __and__(self, other: Predicate) -> And:
        return And((*_parts(self, And), *_parts(other, And)))

    def __or__(self, other: Predicate) -> Or:
        return Or((*_parts(self, Or), *_parts(other, Or)))

    def __invert__(self) -> Not:
        return Not(self)  # type: ignore[arg-type]


@attrs.frozen(eq=False)
class Comparison(_Combinable):
    """``column op operand``; the operand is a value, a :class:`Param` or another column."""

    column: ColumnRef[Any]
    op: Op
    operand: Any = None


@attrs.frozen(eq=False)
class And(_Combinable):
    """All of the parts hold."""

    parts: tuple[Predicate, ...]


@attrs.frozen(eq=False)
class Or(_Combinable):
    """At least one part holds."""

    parts: tuple[Predicate, ...]


@attrs.frozen(eq=False)
class Not(_Combinable):
    """The part does not hold."""

    part: Predicate


Predicate: TypeAlias = Comparison | And | Or | Not


def _parts(predicate: object, kind: type[And] | type[Or]) -> tuple[Predicate, ...]:
    if isinstance(predicate, kind):
        return predicate.parts
    if not isinstance(predicate, Comparison | And | Or | Not):
        raise TypeError(f"cannot combine a predicate with {type(predicate).__name__}")
    return (predicate,)


@attrs.frozen
class Ordering:
    """One ORDER BY key: a column, a direction, and optionally where NULLs go."""

    column: ColumnRef[Any]
    direction: Direction = Direction.ASC
    nulls: Nulls | None = None


class ColumnRef(_Arithmetic, Generic[T]):
    """A column of a registered table, typed by its Python value type.

    Comparing it builds a predicate (``==``/``!=`` with ``None`` become IS NULL / IS NOT
    NULL); mypy checks the compared value's type. Two references are the same column when
    they have the same table and name.
    """

    __slots__ = ("name", "table")

    def __init__(self, table: TableRef, name: str) -> None:
        self.table = table
        self.name = name

    @property
    def info(self) -> ColumnInfo:
        """The column's registry entry."""
        return info_of(self.table).column(self.name)

    def __repr__(self) -> str:
        return f"{name_of(self.table)}.{self.name}"

    def __hash__(self) -> int:
        return hash((name_of(self.table), self.name))

    def same_as(self, other: object) -> bool:
        """Identity of columns (``==`` is taken by the predicate builder)."""
        return (
            isinstance(other, ColumnRef)
            and name_of(other.table) == name_of(self.table)
            and other.name == self.name
        )

    def _compare(self, op: Op, other: object) -> Comparison:
        return Comparison(self, op, other)

    def __eq__(self, other: T | ColumnRef[Any] | Param | None) -> Comparison:  # type: ignore[override]
        if other is None:
            return Comparison(self, Op.IS_NULL)
        return self._compare(Op.EQ, other)

    def __ne__(self, other: T | ColumnRef[Any] | Param | None) -> Comparison:  # type: ignore[override]
        if other is None:
            return Comparison(self, Op.IS_NOT_NULL)
        return self._compare(Op.NE, other)

    def eq(self, other: T | ColumnRef[Any] | Param | None) -> Comparison:
        """Same as ``==``, but mypy checks the value's type (it cannot for ``==``)."""
        return self.__eq__(other)

    def ne(self, other: T | ColumnRef[Any] | Param | None) -> Comparison:
        """Same as ``!=``, with the value's type checked by mypy."""
        return self.__ne__(other)

    def __lt__(self, other: T | ColumnRef[Any] | Param) -> Comparison:
        return self._compare(Op.LT, other)

    def __le__(self, other: T | ColumnRef[Any] | Param) -> Comparison:
        return self._compare(Op.LE, other)

    def __gt__(self, other: T | ColumnRef[Any] | Param) -> Comparison:
        return self._compare(Op.GT, other)

    def __ge__(self, other: T | ColumnRef[Any] | Param) -> Comparison:
        return self._compare(Op.GE, other)

    def in_(self, values: Iterable[T] | Param) -> Comparison:
        """Membership; bound as ONE array parameter whatever the list length."""
        return Comparison(self, Op.IN, values if isinstance(values, Param) else list(values))

    def not_in(self, values: Iterable[T] | Param) -> Comparison:
        """Non-membership; one array parameter."""
        return Comparison(self, Op.NOT_IN, values if isinstance(values, Param) else list(values))

    def between(self, low: T | Param, high: T | Param) -> Comparison:
        """``low <= column <= high``."""
        return Comparison(self, Op.BETWEEN, (low, high))

    def is_null(self) -> Comparison:
        """``column IS NULL``."""
        return Comparison(self, Op.IS_NULL)

    def is_not_null(self) -> Comparison:
        """``column IS NOT NULL``."""
        return Comparison(self, Op.IS_NOT_NULL)

    def like(self, pattern: str | Param) -> Comparison:
        """``LIKE pattern`` with the pattern as given (``%``/``_`` are wildcards)."""
        return Comparison(self, Op.LIKE, pattern)

    def ilike(self, pattern: str | Param) -> Comparison:
        """Case-insensitive ``ILIKE pattern`` with the pattern as given."""
        return Comparison(self, Op.ILIKE, pattern)

    def contains(self, values: Iterable[str] | Param) -> Comparison:
        """Array column holds every one of ``values`` (``@>``)."""
        return Comparison(self, Op.CONTAINS, values if isinstance(values, Param) else list(values))

    def overlaps(self, values: Iterable[str] | Param) -> Comparison:
        """Array column holds at least one of ``values`` (``&&``)."""
        return Comparison(self, Op.OVERLAPS, values if isinstance(values, Param) else list(values))

    def asc(self, nulls: Nulls | None = None) -> Ordering:
        """Ascending sort key."""
        return Ordering(self, Direction.ASC, nulls)

    def desc(self, nulls: Nulls | None = None) -> Ordering:
        """Descending sort key."""
        return Ordering(self, Direction.DESC, nulls)


class TableRef:
    """A registered table; generated subclasses add one typed :class:`ColumnRef` per column.

    Generated subclasses use ``__slots__`` and no ``__getattr__``, so a misspelt column is
    an ``AttributeError`` at run time and an error under mypy, never SQL text. Table-level
    facts live behind underscore names (columns are called ``name``, ``type``, ``date``...)
    and are read with :func:`info_of`, :func:`column_of` and :func:`columns_of`.
    """

    __slots__ = ("_info", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._info: TableInfo | None = None

    def __repr__(self) -> str:
        return f"<table {self._name}>"


def name_of(table: TableRef) -> str:
    """The table's SQL name."""
    return table._name


def info_of(table: TableRef) -> TableInfo:
    """The table's registry entry."""
    if table._info is None:
        raise LookupError(f"table {table._name} is not registered")
    return table._info


def attach(table: TableRef, info: TableInfo) -> None:
    """Link a table reference to its registry entry (done once, when the registry is built)."""
    table._info = info


def column_of(table: TableRef, name: str) -> ColumnRef[Any]:
    """The column called ``name``, checked against the registry: for names from a request.

    Raises :class:`InvalidInput` naming the column when the table has no such column.
    """
    info_of(table).column(name)
    ref = getattr(table, name)
    if not isinstance(ref, ColumnRef):  # pragma: no cover - generated classes guarantee it
        raise InvalidInput(name, f"no such column in {table._name}")
    return ref


def columns_of(table: TableRef) -> tuple[ColumnRef[Any], ...]:
    """Every column of the table, in table order."""
    return tuple(getattr(table, name) for name in info_of(table).column_names)
