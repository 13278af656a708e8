"""Opaque, tamper-evident keyset cursors: sort-key values signed with HMAC-SHA256.

A cursor is ``base64url(values) . base64url(mac)``. The MAC covers the values *and a
scope*: the SQL text of the query (its shape, sort keys included) and the values of its
filters. A cursor edited by hand, or taken from one query and replayed into another (a
different table, sort, filter or filter value), fails the check and is refused with
:class:`~chanuka_db.errors.InvalidInput` naming ``cursor``; it never reaches SQL as text,
and its values are bound parameters like any other.

The key comes from ``CHANUKA_DB_CURSOR_SECRET`` (:meth:`CursorCodec.from_config`). Without
it a random key is made per process: cursors then stop working when the process restarts
and are not accepted by other processes (set the secret when several workers serve one
listing).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from chanuka_db.errors import InvalidInput

if TYPE_CHECKING:
    from chanuka_db.pool.config import DatabaseConfig

__all__ = ["CursorCodec", "default_codec"]

MAX_CURSOR_CHARS: Final = 4096
_MAC_BYTES: Final = 16

_DECODERS: Final[dict[str, Callable[[str], Any]]] = {
    "d": Decimal,
    "t": dt.datetime.fromisoformat,
    "D": dt.date.fromisoformat,
    "u": uuid.UUID,
}


def _tag(value: Any) -> Any:
    """A JSON-safe form of one sort-key value that decodes back to the same Python type."""
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"D": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    raise TypeError(f"cannot put a {type(value).__name__} in a keyset cursor")


def _untag(item: Any) -> Any:
    if isinstance(item, dict) and len(item) == 1:
        ((tag, text),) = item.items()
        decoder = _DECODERS.get(tag)
        if decoder is not None and isinstance(text, str):
            return decoder(text)
    if item is None or isinstance(item, bool | int | str | float):
        return item
    raise ValueError("unknown value in cursor")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Signs and checks keyset cursors with one secret key."""

    __slots__ = ("_key", "ephemeral")

    def __init__(self, secret: str | bytes | None = None) -> None:
        self.ephemeral = secret is None
        if secret is None:
            self._key = secrets.token_bytes(32)
        else:
            self._key = secret.encode() if isinstance(secret, str) else bytes(secret)

    @classmethod
    def from_config(cls, config: DatabaseConfig) -> CursorCodec:
        """The codec for ``CHANUKA_DB_CURSOR_SECRET`` (a per-process random key if unset)."""
        return cls(config.cursor_secret)

    def __repr__(self) -> str:
        return f"<CursorCodec {'per-process key' if self.ephemeral else 'configured key'}>"

    def _mac(self, scope: bytes, payload: bytes) -> bytes:
        message = hashlib.sha256(scope).digest() + payload
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, scope: bytes, values: Sequence[Any]) -> str:
        """The cursor for ``values`` in ``scope``."""
        payload = json.dumps([_tag(v) for v in values], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(scope, payload))}"

    def decode(self, scope: bytes, cursor: object) -> list[Any]:
        """The values of a cursor made by :meth:`encode` for the same ``scope``.

        Anything else (not a string, too long, malformed, signed for another scope or with
        another key) raises :class:`InvalidInput` naming ``cursor``.
        """
        if not isinstance(cursor, str) or not 0 < len(cursor) <= MAX_CURSOR_CHARS:
            raise InvalidInput("cursor", "is not a cursor string")
        body, _, mac = cursor.partition(".")
        try:
            payload, signature = _unb64(body), _unb64(mac)
        except (binascii.Error, ValueError):
            raise InvalidInput("cursor", "is malformed") from None
        if _b64(payload) != body or _b64(signature) != mac:  # one spelling per cursor
            raise InvalidInput("cursor", "is malformed")
        if not hmac.compare_digest(signature, self._mac(scope, payload)):
            raise InvalidInput(
                "cursor", "is not valid for this query (altered, or issued for another query)"
            )
        try:
            items = json.loads(payload)
            if not isinstance(items, list):
                raise ValueError("not a list")
            return [_untag(item) for item in items]
        except (ValueError, InvalidOperation, TypeError):  # pragma: no cover - signed by us
            raise InvalidInput("cursor", "is malformed") from None


_DEFAULT: list[CursorCodec] = []


def default_codec() -> CursorCodec:
    """The process-wide codec with a random key, for executors not given one."""
    if not _DEFAULT:
        _DEFAULT.append(CursorCodec())
    return _DEFAULT[0]
