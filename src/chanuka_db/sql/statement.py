"""The base of every statement builder: immutable, compiled once, bound on every call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from chanuka_db.sql.binding import bind_slots
from chanuka_db.sql.compiler import Ctx, Prepared, prepare

__all__ = ["Statement"]


class Statement:
    """An immutable statement: each builder method returns a new one.

    Immutability is what makes a module-level statement (``BY_ID = select(...).where(
    tables.bills.id == Param("id"))``) safe to share between threads, and lets it keep its
    compiled form: after the first call, running it costs binding + execute only.
    """

    __slots__ = ("_prepared",)
    _fields: ClassVar[tuple[str, ...]] = ()
    _prepared: Prepared | None

    def _walk(self, ctx: Ctx) -> Any:
        """Add the statement to ``ctx``; the PyPika query when ``ctx.render``."""
        raise NotImplementedError

    @classmethod
    def _new(cls, **fields: Any) -> Self:
        new = object.__new__(cls)
        for name in cls._fields:
            object.__setattr__(new, name, fields[name])
        object.__setattr__(new, "_prepared", None)
        return new

    def _evolve(self, **changes: Any) -> Self:
        fields = {name: getattr(self, name) for name in self._fields}
        fields.update(changes)
        return self._new(**fields)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_prepared":  # the cached compiled form, derived from the fields
            object.__setattr__(self, name, value)
            return
        raise AttributeError(f"{type(self).__name__} is immutable; builder methods return copies")

    def prepared(self) -> Prepared:
        """The compiled SQL and this statement's slots (compiled on first use, then kept)."""
        found: Prepared | None = self._prepared
        if found is None:
            found = prepare(self._walk)
            self._prepared = found
        return found

    def bind(self, params: Mapping[str, Any]) -> tuple[Prepared, list[Any]]:
        """Compiled SQL and checked values (slot order) for one call."""
        prepared = self._prepared or self.prepared()
        return prepared, bind_slots(prepared.slots, prepared.names, params)

    def sql(self, **params: Any) -> tuple[str, list[Any]]:
        """The SQL text and the parameters (in placeholder order) this statement would send."""
        prepared, values = self.bind(params)
        return prepared.compiled.text, prepared.compiled.arrange(values)
