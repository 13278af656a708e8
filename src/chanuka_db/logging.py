"""Logging helpers: a JSON-lines formatter for chanuka-db's structured log records.

Every record chanuka-db logs carries a stable ``event`` name (``chanuka_db.<area>.<what>``)
and its fields as ``extra`` attributes (``duration_ms``, ``operation``, ``sqlstate``, ...;
the list is in ``docs/ops/logging.md``). Any formatter can print them; this one writes
each record as one JSON object, for services that ship logs as JSON lines::

    import logging
    from chanuka_db.logging import JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.getLogger("chanuka_db").addHandler(handler)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Final

__all__ = ["JsonFormatter"]

# Attributes every LogRecord has: whatever else a record carries came from ``extra``.
_STANDARD: Final = frozenset(
    [*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime", "taskName"]
)
# Field names that must never carry a value into a log line, whoever added the field.
_SECRET_WORDS: Final = ("password", "passwd", "secret", "token", "credential")
REDACTED: Final = "***"


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message and extra fields.

    ``time`` is UTC in ISO 8601 with milliseconds. Fields whose name contains
    password/secret/token/credential are shown as ``***`` (chanuka-db never logs such a
    value, this guards fields added by others). Values JSON cannot hold are written as
    their ``str()``.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON object (no newline inside)."""
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = REDACTED if _is_secret(key) else value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)
