"""Database configuration read from the environment, validated, with secrets kept out of sight."""

from __future__ import annotations

import enum
import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import attrs
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from chanuka_db.errors import ConfigError

__all__ = [
    "SETTINGS",
    "DatabaseConfig",
    "DatabaseUrl",
    "Environment",
    "Setting",
    "redact",
]

REDACTED: Final = "***"
_SECRET_KEYS: Final = frozenset({"password", "sslpassword"})
# Shapes a password takes inside a connection string that may not even parse.
_PASSWORD_PATTERNS: Final = (
    (re.compile(r"(://[^/:@?#\s]*):[^/?#\s]*@"), rf"\1:{REDACTED}@"),
    (re.compile(r"([?&](?:ssl)?password=)[^&#\s]*", re.IGNORECASE), rf"\1{REDACTED}"),
    (
        re.compile(r"(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE),
        rf"\1{REDACTED}",
    ),
)

# libpq's own environment variables, read when DATABASE_URL is unset (same names as libpq).
_LIBPQ_ENV: Final = {
    "PGHOST": "host",
    "PGHOSTADDR": "hostaddr",
    "PGPORT": "port",
    "PGDATABASE": "dbname",
    "PGUSER": "user",
    "PGPASSWORD": "password",
    "PGSERVICE": "service",
    "PGSSLMODE": "sslmode",
    "PGOPTIONS": "options",
}
# Any one of these means "the user pointed libpq at a server"; PGPASSWORD alone does not.
_LIBPQ_TARGET_VARS: Final = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")


def redact(text: str) -> str:
    """Return ``text`` with every password-looking part of a connection string masked.

    Works on URLs, libpq ``key=value`` strings and on strings too malformed to parse,
    so error messages can quote what the user gave without leaking the secret.
    """
    for pattern, replacement in _PASSWORD_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class Environment(enum.StrEnum):
    """Deployment environment; selects a profile of defaults (``CHANUKA_ENV``)."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


@attrs.frozen(repr=False)
class DatabaseUrl:
    """Where to connect: libpq connection parameters whose repr and str never show a password.

    ``source`` says where the parameters came from (``DATABASE_URL``, ``PG* environment``,
    ``embedded``, ...). Use :meth:`conninfo` to hand the full string to libpq.
    """

    params: tuple[tuple[str, str], ...]
    source: str = "DATABASE_URL"

    @classmethod
    def parse(cls, text: str, *, source: str = "DATABASE_URL") -> DatabaseUrl:
        """Parse a ``postgresql://`` URL or a libpq ``key=value`` string.

        Raises :class:`ConfigError` naming ``source`` and the redacted text when libpq
        cannot parse it or when it is not a PostgreSQL URL.
        """
        stripped = text.strip()
        if "://" in stripped and not stripped.startswith(("postgresql://", "postgres://")):
            raise ConfigError(source, redact(text), "not a postgresql:// or postgres:// URL")
        try:
            params = conninfo_to_dict(stripped)
        except psycopg.ProgrammingError as exc:
            reason = redact(str(exc).strip().splitlines()[0])
            raise ConfigError(
                source, redact(text), f"malformed connection string ({reason})"
            ) from None
        problem = _check_params(params)
        if problem:
            raise ConfigError(source, redact(text), problem)
        return cls.from_params(params, source=source)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], *, source: str) -> DatabaseUrl:
        """Build from libpq keywords (``host``, ``port``, ``dbname``, ``user``, ...)."""
        return cls(tuple(sorted((k, str(v)) for k, v in params.items() if v is not None)), source)

    @property
    def mapping(self) -> dict[str, str]:
        """The parameters as a dict (includes the password: do not log it)."""
        return dict(self.params)

    @property
    def dbname(self) -> str | None:
        """Database name, when one is given."""
        return self.mapping.get("dbname")

    @property
    def user(self) -> str | None:
        """Role name, when one is given."""
        return self.mapping.get("user")

    def conninfo(self) -> str:
        """The full libpq connection string, password included; for libpq only."""
        return make_conninfo(**self.mapping)

    def with_params(self, **changes: str | None) -> DatabaseUrl:
        """A copy with some parameters replaced (``None`` removes one)."""
        merged: dict[str, Any] = {**self.mapping, **changes}
        return DatabaseUrl.from_params(merged, source=self.source)

    def with_database(self, dbname: str) -> DatabaseUrl:
        """A copy pointing at another database on the same server."""
        return self.with_params(dbname=dbname)

    def redacted(self) -> str:
        """A ``postgresql://`` URL for people: same target, password replaced by ``***``."""
        params = self.mapping
        user = quote(params.pop("user", ""), safe="")
        secrets = [params.pop(key) for key in _SECRET_KEYS if key in params]
        secret = f":{REDACTED}" if secrets else ""
        host = params.pop("host", "")
        port = params.pop("port", "")
        dbname = quote(params.pop("dbname", ""), safe="")
        netloc = f"{user}{secret}@" if user or secret else ""
        if host and not host.startswith("/") and "," not in host:
            netloc += quote(host, safe="") + (f":{port}" if port else "")
        else:
            if host:
                params["host"] = host
            if port:
                params["port"] = port
        query = "&".join(f"{k}={quote(v, safe='/,')}" for k, v in sorted(params.items()))
        return f"postgresql://{netloc}/{dbname}" + (f"?{query}" if query else "")

    def __repr__(self) -> str:
        return f"DatabaseUrl({self.redacted()!r}, source={self.source!r})"

    def __str__(self) -> str:
        return self.redacted()


_SSLMODES: Final = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})


def _check_params(params: Mapping[str, Any]) -> str | None:
    """What libpq's parser lets through but a connection would reject later."""
    for port in (params.get("port") or "").split(","):
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            return f"port {port!r} is not a number from 1 to 65535"
    sslmode = params.get("sslmode")
    if sslmode is not None and sslmode not in _SSLMODES:
        return f"sslmode {sslmode!r} is not one of {', '.join(sorted(_SSLMODES))}"
    return None


def _positive_number(value: float, *, allow_zero: bool = False) -> str | None:
    if value < 0 or (value == 0 and not allow_zero):
        return "must be " + ("zero or more" if allow_zero else "greater than zero")
    return None


def _fraction(value: float) -> str | None:
    if not 0 < value <= 1:
        return "must be a fraction greater than 0 and at most 1"
    return None


MIN_SECRET_CHARS: Final = 32


def _cursor_secret(name: str, value: object) -> str:
    """The secret itself, or a ConfigError that never shows it."""
    if not isinstance(value, str) or len(value.strip()) < MIN_SECRET_CHARS:
        raise ConfigError(name, REDACTED, f"must be at least {MIN_SECRET_CHARS} characters")
    return value


def _check_secret(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _cursor_secret(attribute.name, value)


def _application_name(value: str) -> str | None:
    if not value or len(value) > 63:
        return "must be 1 to 63 characters"
    if not value.isascii() or not value.isprintable():
        return "must be printable ASCII (PostgreSQL replaces anything else)"
    return None


@attrs.frozen(kw_only=True)
class Setting:
    """One ``CHANUKA_DB_*`` environment variable: the config field it sets and its rules."""

    env: str
    field: str
    parse: Callable[[str], Any]
    check: Callable[[Any], str | None]
    help: str


def _int(text: str) -> int:
    return int(text.strip())


def _float(text: str) -> float:
    value = float(text.strip())
    if not math.isfinite(value):
        raise ValueError(text)
    return value


SETTINGS: Final[tuple[Setting, ...]] = (
    Setting(
        env="CHANUKA_DB_POOL_MIN",
        field="pool_min",
        parse=_int,
        check=lambda v: _positive_number(v, allow_zero=True),
        help="connections kept open even when idle",
    ),
    Setting(
        env="CHANUKA_DB_POOL_MAX",
        field="pool_max",
        parse=_int,
        check=_positive_number,
        help="most connections the pool opens",
    ),
    Setting(
        env="CHANUKA_DB_IDLE_TIMEOUT_S",
        field="idle_timeout_s",
        parse=_float,
        check=_positive_number,
        help="seconds an idle connection above the minimum is kept",
    ),
    Setting(
        env="CHANUKA_DB_CONNECT_TIMEOUT_S",
        field="connect_timeout_s",
        parse=_float,
        check=_positive_number,
        help="seconds to wait for a new connection to the server",
    ),
    Setting(
        env="CHANUKA_DB_ACQUIRE_TIMEOUT_S",
        field="acquire_timeout_s",
        parse=_float,
        check=_positive_number,
        help="seconds a caller waits for a free pooled connection",
    ),
    Setting(
        env="CHANUKA_DB_STATEMENT_TIMEOUT_MS",
        field="statement_timeout_ms",
        parse=_int,
        check=lambda v: _positive_number(v, allow_zero=True),
        help="server-side statement_timeout in ms (0 disables)",
    ),
    Setting(
        env="CHANUKA_DB_SLOW_QUERY_MS",
        field="slow_query_ms",
        parse=_float,
        check=_positive_number,
        help="statements slower than this are logged with their plan",
    ),
    Setting(
        env="CHANUKA_DB_APPLICATION_NAME",
        field="application_name",
        parse=str,
        check=_application_name,
        help="application_name reported to the server",
    ),
    Setting(
        env="CHANUKA_DB_MAX_LIFETIME_S",
        field="max_lifetime_s",
        parse=_float,
        check=_positive_number,
        help="seconds after which a connection is replaced (a little jitter is added)",
    ),
    Setting(
        env="CHANUKA_DB_MAX_WAITING",
        field="max_waiting",
        parse=_int,
        check=lambda v: _positive_number(v, allow_zero=True),
        help="callers allowed to queue for a connection before load is shed (0: no limit)",
    ),
    Setting(
        env="CHANUKA_DB_CHECK_IDLE_S",
        field="check_idle_s",
        parse=_float,
        check=lambda v: _positive_number(v, allow_zero=True),
        help="a connection idle longer than this is checked with a round trip before lending",
    ),
    Setting(
        env="CHANUKA_DB_HEALTH_INTERVAL_S",
        field="health_interval_s",
        parse=_float,
        check=_positive_number,
        help="seconds between background health checks (SELECT 1 through the pool)",
    ),
    Setting(
        env="CHANUKA_DB_LEAK_THRESHOLD_S",
        field="leak_threshold_s",
        parse=_float,
        check=_positive_number,
        help="a connection held longer than this is logged as a leak, with the borrower's stack",
    ),
    Setting(
        env="CHANUKA_DB_SLOW_ACQUIRE_MS",
        field="slow_acquire_ms",
        parse=_float,
        check=_positive_number,
        help="acquisitions slower than this are logged as a warning",
    ),
    Setting(
        env="CHANUKA_DB_UTILIZATION_WARN",
        field="utilization_warn",
        parse=_float,
        check=_fraction,
        help="utilization (in use / max) above which a WARNING is logged",
    ),
    Setting(
        env="CHANUKA_DB_UTILIZATION_ERROR",
        field="utilization_error",
        parse=_float,
        check=_fraction,
        help="utilization above which an ERROR is logged",
    ),
    Setting(
        env="CHANUKA_DB_UTILIZATION_WINDOW_S",
        field="utilization_window_s",
        parse=_float,
        check=lambda v: _positive_number(v, allow_zero=True),
        help="how long utilization must stay above a threshold before it is logged",
    ),
    Setting(
        env="CHANUKA_DB_BREAKER_THRESHOLD",
        field="breaker_threshold",
        parse=_int,
        check=_positive_number,
        help="consecutive connection failures that open the circuit breaker",
    ),
    Setting(
        env="CHANUKA_DB_BREAKER_COOLDOWN_S",
        field="breaker_cooldown_s",
        parse=_float,
        check=_positive_number,
        help="seconds the open breaker fails fast before it lets one trial through",
    ),
    Setting(
        env="CHANUKA_DB_RETRY_ATTEMPTS",
        field="retry_attempts",
        parse=_int,
        check=_positive_number,
        help="attempts (first try included) for transient connection failures",
    ),
    Setting(
        env="CHANUKA_DB_RETRY_BASE_DELAY_MS",
        field="retry_base_delay_ms",
        parse=_float,
        check=lambda v: _positive_number(v, allow_zero=True),
        help="first retry delay; doubles per attempt, with full jitter",
    ),
    Setting(
        env="CHANUKA_DB_DATA_DIR",
        field="data_dir",
        parse=lambda text: Path(text).expanduser(),
        check=lambda v: None if str(v).strip() else "must not be empty",
        help="data directory of the embedded server (when DATABASE_URL is unset)",
    ),
    Setting(
        env="CHANUKA_DB_CURSOR_SECRET",
        field="cursor_secret",
        parse=lambda text: _cursor_secret("CHANUKA_DB_CURSOR_SECRET", text),
        check=lambda v: None,
        help="key that signs keyset-paging cursors (unset: a random key per process)",
    ),
)
_BY_FIELD: Final = {s.field: s for s in SETTINGS}
_KNOWN_ENV: Final = frozenset(s.env for s in SETTINGS)

# Per-environment defaults. Production and development follow the seed plan
# (5..20 connections, 30 s idle, 5 s connect); tests open many short-lived pools.
PROFILES: Final[Mapping[Environment, Mapping[str, Any]]] = {
    Environment.PRODUCTION: {"statement_timeout_ms": 30_000},
    Environment.DEVELOPMENT: {"statement_timeout_ms": 60_000},
    Environment.TEST: {"pool_min": 1, "statement_timeout_ms": 60_000},
}


def _check_field(instance: DatabaseConfig, attribute: attrs.Attribute[Any], value: Any) -> None:
    setting = _BY_FIELD.get(attribute.name)
    problem = setting.check(value) if setting else None
    if problem:
        raise ConfigError(attribute.name, value, problem)


@attrs.frozen(kw_only=True)
class DatabaseConfig:
    """Everything needed to open the database; immutable and validated on creation.

    ``url`` is ``None`` when no server was configured: the embedded PostgreSQL is used.
    ``migration_url`` (migrations and maintenance, as the schema owner) and ``system_url``
    (background jobs, as a member of ``chanuka_system``) are separate logins; see
    docs/security.md. Build it with :meth:`from_env`, or directly (keyword arguments) in code
    and tests.
    """

    url: DatabaseUrl | None = None
    migration_url: DatabaseUrl | None = None
    system_url: DatabaseUrl | None = None
    environment: Environment = Environment.DEVELOPMENT
    pool_min: int = attrs.field(default=5, validator=_check_field)
    pool_max: int = attrs.field(default=20, validator=_check_field)
    idle_timeout_s: float = attrs.field(default=30.0, validator=_check_field)
    connect_timeout_s: float = attrs.field(default=5.0, validator=_check_field)
    acquire_timeout_s: float = attrs.field(default=5.0, validator=_check_field)
    statement_timeout_ms: int = attrs.field(default=60_000, validator=_check_field)
    slow_query_ms: float = attrs.field(default=100.0, validator=_check_field)
    application_name: str = attrs.field(default="chanuka-db", validator=_check_field)
    max_lifetime_s: float = attrs.field(default=3600.0, validator=_check_field)
    max_waiting: int = attrs.field(default=0, validator=_check_field)
    check_idle_s: float = attrs.field(default=1.0, validator=_check_field)
    health_interval_s: float = attrs.field(default=30.0, validator=_check_field)
    leak_threshold_s: float = attrs.field(default=30.0, validator=_check_field)
    slow_acquire_ms: float = attrs.field(default=1000.0, validator=_check_field)
    utilization_warn: float = attrs.field(default=0.8, validator=_check_field)
    utilization_error: float = attrs.field(default=0.9, validator=_check_field)
    utilization_window_s: float = attrs.field(default=10.0, validator=_check_field)
    breaker_threshold: int = attrs.field(default=5, validator=_check_field)
    breaker_cooldown_s: float = attrs.field(default=5.0, validator=_check_field)
    retry_attempts: int = attrs.field(default=3, validator=_check_field)
    retry_base_delay_ms: float = attrs.field(default=50.0, validator=_check_field)
    data_dir: Path | None = attrs.field(
        default=None, validator=attrs.validators.optional(_check_field)
    )
    cursor_secret: str | None = attrs.field(default=None, repr=False, validator=_check_secret)

    def __attrs_post_init__(self) -> None:
        for name in ("migration_url", "system_url"):
            if self.url is None and getattr(self, name) is not None:
                raise ConfigError(
                    name,
                    str(getattr(self, name)),
                    "set without DATABASE_URL: the embedded server provides every login itself",
                )
        if self.pool_min > self.pool_max:
            raise ConfigError("pool_min", self.pool_min, f"greater than pool_max ({self.pool_max})")
        if self.utilization_warn > self.utilization_error:
            raise ConfigError(
                "utilization_warn",
                self.utilization_warn,
                f"greater than utilization_error ({self.utilization_error})",
            )

    @property
    def embedded(self) -> bool:
        """True when no server is configured and the embedded PostgreSQL will be used."""
        return self.url is None

    @property
    def migrations_url(self) -> DatabaseUrl | None:
        """Where migrations run: ``migration_url``, else ``url`` (``None``: embedded)."""
        return self.migration_url or self.url

    @classmethod
    def for_environment(cls, environment: Environment, **overrides: Any) -> DatabaseConfig:
        """The profile of ``environment`` with ``overrides`` applied."""
        return cls(environment=environment, **{**PROFILES[environment], **overrides})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DatabaseConfig:
        """Read the configuration from ``environ`` (default: ``os.environ``).

        Raises :class:`ConfigError` naming the variable and its (redacted) value for any
        invalid, unknown or inconsistent setting.
        """
        env = os.environ if environ is None else environ
        _reject_unknown(env)
        environment = _environment(env)
        overrides: dict[str, Any] = {
            "url": _url_from_env(env),
            "migration_url": _optional_url(env, "DATABASE_MIGRATION_URL"),
            "system_url": _optional_url(env, "DATABASE_SYSTEM_URL"),
        }
        for setting in SETTINGS:
            raw = env.get(setting.env)
            if raw is not None:
                overrides[setting.field] = _parse(setting, raw)
        try:
            return cls.for_environment(environment, **overrides)
        except ConfigError as exc:
            raise _named_after_env(exc, env) from None

    def describe(self) -> dict[str, str]:
        """Each setting as a printable string (the URL redacted), for CLIs and logs."""
        values = attrs.asdict(self, recurse=False)
        embedded = "(embedded PostgreSQL)" if self.embedded else None
        values["url"] = self.url.redacted() if self.url else embedded
        values["migration_url"] = (
            self.migration_url.redacted() if self.migration_url else embedded or "(same as url)"
        )
        values["system_url"] = (
            self.system_url.redacted() if self.system_url else embedded or "(unset)"
        )
        values["cursor_secret"] = REDACTED if self.cursor_secret else "(random per process)"
        return {k: str(v) for k, v in values.items()}


def _reject_unknown(env: Mapping[str, str]) -> None:
    for name in sorted(env):
        if name.startswith("CHANUKA_DB_") and name not in _KNOWN_ENV:
            known = ", ".join(sorted(_KNOWN_ENV))
            raise ConfigError(name, env[name], f"unknown setting (known: {known})")


def _environment(env: Mapping[str, str]) -> Environment:
    raw = env.get("CHANUKA_ENV", Environment.DEVELOPMENT.value)
    try:
        return Environment(raw.strip().lower())
    except ValueError:
        choices = ", ".join(e.value for e in Environment)
        raise ConfigError("CHANUKA_ENV", raw, f"must be one of {choices}") from None


def _url_from_env(env: Mapping[str, str]) -> DatabaseUrl | None:
    raw = env.get("DATABASE_URL", "")
    if raw.strip():
        return DatabaseUrl.parse(raw, source="DATABASE_URL")
    if any(env.get(name) for name in _LIBPQ_TARGET_VARS):
        params = {kw: env[name] for name, kw in _LIBPQ_ENV.items() if env.get(name)}
        return DatabaseUrl.from_params(params, source="PG* environment")
    return None


def _optional_url(env: Mapping[str, str], name: str) -> DatabaseUrl | None:
    raw = env.get(name, "")
    return DatabaseUrl.parse(raw, source=name) if raw.strip() else None


def _parse(setting: Setting, raw: str) -> Any:
    try:
        return setting.parse(raw)
    except ValueError:
        kind = "an integer" if setting.parse is _int else "a number"
        raise ConfigError(setting.env, raw, f"must be {kind}") from None


# Cross-checked pairs: (lower field, upper field) where lower <= upper must hold.
_ORDERED_PAIRS: Final = {"pool_min": "pool_max", "utilization_warn": "utilization_error"}


def _named_after_env(exc: ConfigError, env: Mapping[str, str]) -> ConfigError:
    setting = _BY_FIELD.get(exc.variable)
    if setting is None:
        return exc
    upper = _BY_FIELD[_ORDERED_PAIRS[exc.variable]] if exc.variable in _ORDERED_PAIRS else None
    if setting.env in env:
        reason = exc.reason.replace(upper.field, upper.env) if upper else exc.reason
        return ConfigError(setting.env, env[setting.env], reason)
    if upper is not None and upper.env in env:
        # Only the upper bound was set, below the profile's lower one: blame the one set.
        reason = f"smaller than {exc.variable} ({exc.value})"
        return ConfigError(upper.env, env[upper.env], reason)
    return exc
