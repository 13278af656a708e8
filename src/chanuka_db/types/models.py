"""Base classes of the generated New* and *Patch inputs: validation at the edge, before any SQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from chanuka_db.errors import InvalidInput
from chanuka_db.types.base import UNSET, ColumnInfo

__all__ = ["Insert", "Patch"]


class _Checked:
    """Checks every field against its column when an instance is made.

    Generated subclasses set ``__table__`` and ``__columns__``; a wrong type, an over-long
    varchar, a NUL character or an out-of-range integer raises :class:`InvalidInput`
    naming the field, so bad input never reaches the server.
    """

    __slots__ = ()
    __table__: ClassVar[str]
    __columns__: ClassVar[tuple[ColumnInfo, ...]]
    __column_index__: ClassVar[Mapping[str, ColumnInfo]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        columns = cls.__dict__.get("__columns__")
        if columns is not None:
            cls.__column_index__ = {c.name: c for c in columns}

    def __attrs_post_init__(self) -> None:
        index = self.__column_index__
        for field in attrs.fields(type(self)):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if value is UNSET:
                self._check_unset(index[field.name])
            else:
                index[field.name].check(value)

    def _check_unset(self, column: ColumnInfo) -> None:
        """UNSET is always fine; inserts override this for required columns."""

    def changes(self) -> dict[str, Any]:
        """The fields that are not UNSET, in declaration order."""
        return {
            field.name: value
            for field in attrs.fields(type(self))  # type: ignore[arg-type]
            if (value := getattr(self, field.name)) is not UNSET
        }


class Insert(_Checked):
    """What an insert takes: required columns must be given, UNSET ones get the default."""

    __slots__ = ()

    def _check_unset(self, column: ColumnInfo) -> None:
        if column.required_on_insert:
            raise InvalidInput(column.name, f"is required to insert into {self.__table__}")


class Patch(_Checked):
    """What an update takes: UNSET leaves a column alone, ``None`` sets it to NULL."""

    __slots__ = ()
