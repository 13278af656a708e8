"""Raw SQL the code vouches for: the one door for text PyPika cannot express.

SQL text reaches the server from exactly two places: statements this package renders from
registered tables and columns, and :class:`Trusted` text written as a string literal in
our own source. ``trusted()`` takes a :data:`typing.LiteralString`, so mypy rejects any
text assembled at run time (an f-string with a request value, ``"..." + name``), and
every entry point that takes SQL refuses a plain ``str`` with a :class:`TypeError`::

    PING = trusted("SELECT pg_sleep(%s)")
    executor.execute(PING, [0.2])          # values are still bound parameters

Write ``%s`` for a value and ``%%`` for a literal percent sign (psycopg's syntax).
"""

from __future__ import annotations

from typing import LiteralString, TypeGuard

__all__ = ["Trusted", "require_trusted", "trusted"]


class Trusted:
    """SQL text written in our source code; values are bound separately, never spliced in."""

    __slots__ = ("text",)

    def __init__(self, text: LiteralString) -> None:
        if not isinstance(text, str) or not text.strip():
            raise TypeError("trusted() takes non-empty SQL text")
        self.text: str = text

    def __repr__(self) -> str:
        return f"trusted({self.text!r})"


def trusted(sql: LiteralString) -> Trusted:
    """Mark literal SQL text as safe to send (``%s`` placeholders, ``%%`` for ``%``)."""
    return Trusted(sql)


def _is_trusted(value: object) -> TypeGuard[Trusted]:
    return isinstance(value, Trusted)


def require_trusted(value: object) -> Trusted:
    """Return ``value`` if it is :class:`Trusted`; a plain ``str`` (or anything else) is refused.

    The error says how to do it right, because the usual cause is a hand-built string.
    """
    if _is_trusted(value):
        return value
    if isinstance(value, str):
        raise TypeError(
            "a plain str is not accepted as SQL: build statements with select()/insert()/"
            "update()/delete(), or mark literal SQL with trusted('...') and bind values as %s"
        )
    raise TypeError(f"expected a statement or trusted SQL, got {type(value).__name__}")
