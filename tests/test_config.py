"""DatabaseConfig from the environment: every variable, every error, and no password leaks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from chanuka_db.errors import ConfigError
from chanuka_db.pool.config import SETTINGS, DatabaseConfig, DatabaseUrl, Environment, redact

SECRET = "pa55:w@rd/x"  # awkward on purpose: URL-special characters
SECRET_ENCODED = "pa55%3Aw%40rd%2Fx"


def config(**env: str) -> DatabaseConfig:
    return DatabaseConfig.from_env(env)


def test_defaults_follow_the_seed_plan() -> None:
    cfg = config()
    assert cfg.url is None and cfg.embedded
    assert cfg.environment is Environment.DEVELOPMENT
    assert (cfg.pool_min, cfg.pool_max) == (5, 20)
    assert (cfg.idle_timeout_s, cfg.connect_timeout_s) == (30.0, 5.0)
    assert cfg.slow_query_ms == 100.0
    assert cfg.application_name == "chanuka-db"
    assert (cfg.health_interval_s, cfg.leak_threshold_s, cfg.slow_acquire_ms) == (30, 30, 1000)
    assert (cfg.utilization_warn, cfg.utilization_error) == (0.8, 0.9)
    assert (cfg.max_waiting, cfg.max_lifetime_s) == (0, 3600)


@pytest.mark.parametrize(
    ("environment", "pool_min", "statement_timeout_ms"),
    [("development", 5, 60_000), ("test", 1, 60_000), ("production", 5, 30_000)],
)
def test_environment_selects_a_profile(
    environment: str, pool_min: int, statement_timeout_ms: int
) -> None:
    cfg = config(CHANUKA_ENV=environment)
    assert cfg.environment == Environment(environment)
    assert cfg.pool_min == pool_min
    assert cfg.statement_timeout_ms == statement_timeout_ms


def test_environment_name_is_case_insensitive() -> None:
    assert config(CHANUKA_ENV=" Production ").environment is Environment.PRODUCTION


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        config(CHANUKA_ENV="staging")
    assert err.value.variable == "CHANUKA_ENV"
    assert "staging" in str(err.value)
    assert "development, test, production" in str(err.value)


@pytest.mark.parametrize(
    ("variable", "raw", "field", "expected"),
    [
        ("CHANUKA_DB_CURSOR_SECRET", "k" * 32, "cursor_secret", "k" * 32),
        ("CHANUKA_DB_POOL_MIN", "2", "pool_min", 2),
        ("CHANUKA_DB_POOL_MIN", "0", "pool_min", 0),
        ("CHANUKA_DB_POOL_MAX", "40", "pool_max", 40),
        ("CHANUKA_DB_IDLE_TIMEOUT_S", "12.5", "idle_timeout_s", 12.5),
        ("CHANUKA_DB_CONNECT_TIMEOUT_S", "2", "connect_timeout_s", 2.0),
        ("CHANUKA_DB_ACQUIRE_TIMEOUT_S", "0.25", "acquire_timeout_s", 0.25),
        ("CHANUKA_DB_STATEMENT_TIMEOUT_MS", "1500", "statement_timeout_ms", 1500),
        ("CHANUKA_DB_STATEMENT_TIMEOUT_MS", "0", "statement_timeout_ms", 0),
        ("CHANUKA_DB_SLOW_QUERY_MS", "250", "slow_query_ms", 250.0),
        ("CHANUKA_DB_APPLICATION_NAME", "bill-service", "application_name", "bill-service"),
        ("CHANUKA_DB_DATA_DIR", "/srv/pg", "data_dir", Path("/srv/pg")),
        ("CHANUKA_DB_MAX_LIFETIME_S", "600", "max_lifetime_s", 600.0),
        ("CHANUKA_DB_MAX_WAITING", "50", "max_waiting", 50),
        ("CHANUKA_DB_MAX_WAITING", "0", "max_waiting", 0),
        ("CHANUKA_DB_CHECK_IDLE_S", "0", "check_idle_s", 0.0),
        ("CHANUKA_DB_HEALTH_INTERVAL_S", "5", "health_interval_s", 5.0),
        ("CHANUKA_DB_LEAK_THRESHOLD_S", "120", "leak_threshold_s", 120.0),
        ("CHANUKA_DB_SLOW_ACQUIRE_MS", "250", "slow_acquire_ms", 250.0),
        ("CHANUKA_DB_UTILIZATION_WARN", "0.5", "utilization_warn", 0.5),
        ("CHANUKA_DB_UTILIZATION_ERROR", "1", "utilization_error", 1.0),
        ("CHANUKA_DB_UTILIZATION_WINDOW_S", "0", "utilization_window_s", 0.0),
        ("CHANUKA_DB_BREAKER_THRESHOLD", "3", "breaker_threshold", 3),
        ("CHANUKA_DB_BREAKER_COOLDOWN_S", "0.5", "breaker_cooldown_s", 0.5),
        ("CHANUKA_DB_RETRY_ATTEMPTS", "1", "retry_attempts", 1),
        ("CHANUKA_DB_RETRY_BASE_DELAY_MS", "0", "retry_base_delay_ms", 0.0),
    ],
)
def test_every_variable_overrides_its_setting(
    variable: str, raw: str, field: str, expected: object
) -> None:
    assert getattr(config(**{variable: raw}), field) == expected


def test_every_setting_is_covered_by_the_override_test() -> None:
    covered = {
        "CHANUKA_DB_" + name
        for name in (
            "CURSOR_SECRET",
            "POOL_MIN",
            "POOL_MAX",
            "IDLE_TIMEOUT_S",
            "CONNECT_TIMEOUT_S",
            "ACQUIRE_TIMEOUT_S",
            "STATEMENT_TIMEOUT_MS",
            "SLOW_QUERY_MS",
            "APPLICATION_NAME",
            "DATA_DIR",
            "MAX_LIFETIME_S",
            "MAX_WAITING",
            "CHECK_IDLE_S",
            "HEALTH_INTERVAL_S",
            "LEAK_THRESHOLD_S",
            "SLOW_ACQUIRE_MS",
            "UTILIZATION_WARN",
            "UTILIZATION_ERROR",
            "UTILIZATION_WINDOW_S",
            "BREAKER_THRESHOLD",
            "BREAKER_COOLDOWN_S",
            "RETRY_ATTEMPTS",
            "RETRY_BASE_DELAY_MS",
        )
    }
    assert {s.env for s in SETTINGS} == covered


@pytest.mark.parametrize(
    ("variable", "raw", "reason"),
    [
        ("CHANUKA_DB_POOL_MIN", "five", "must be an integer"),
        ("CHANUKA_DB_POOL_MIN", "2.5", "must be an integer"),
        ("CHANUKA_DB_POOL_MIN", "-1", "zero or more"),
        ("CHANUKA_DB_POOL_MAX", "0", "greater than zero"),
        ("CHANUKA_DB_POOL_MAX", "", "must be an integer"),
        ("CHANUKA_DB_IDLE_TIMEOUT_S", "soon", "must be a number"),
        ("CHANUKA_DB_IDLE_TIMEOUT_S", "-3", "greater than zero"),
        ("CHANUKA_DB_IDLE_TIMEOUT_S", "nan", "must be a number"),
        ("CHANUKA_DB_CONNECT_TIMEOUT_S", "inf", "must be a number"),
        ("CHANUKA_DB_CONNECT_TIMEOUT_S", "0", "greater than zero"),
        ("CHANUKA_DB_ACQUIRE_TIMEOUT_S", "-0.5", "greater than zero"),
        ("CHANUKA_DB_STATEMENT_TIMEOUT_MS", "-1", "zero or more"),
        ("CHANUKA_DB_STATEMENT_TIMEOUT_MS", "1e3", "must be an integer"),
        ("CHANUKA_DB_SLOW_QUERY_MS", "0", "greater than zero"),
        ("CHANUKA_DB_SLOW_QUERY_MS", "fast", "must be a number"),
        ("CHANUKA_DB_APPLICATION_NAME", "", "1 to 63 characters"),
        ("CHANUKA_DB_APPLICATION_NAME", "x" * 64, "1 to 63 characters"),
        ("CHANUKA_DB_APPLICATION_NAME", "bills\u00e9", "printable ASCII"),
        ("CHANUKA_DB_APPLICATION_NAME", "a\nb", "printable ASCII"),
        ("CHANUKA_DB_DATA_DIR", " ", "must not be empty"),
        ("CHANUKA_DB_MAX_LIFETIME_S", "0", "greater than zero"),
        ("CHANUKA_DB_MAX_WAITING", "-1", "zero or more"),
        ("CHANUKA_DB_MAX_WAITING", "many", "must be an integer"),
        ("CHANUKA_DB_CHECK_IDLE_S", "-1", "zero or more"),
        ("CHANUKA_DB_HEALTH_INTERVAL_S", "0", "greater than zero"),
        ("CHANUKA_DB_LEAK_THRESHOLD_S", "never", "must be a number"),
        ("CHANUKA_DB_SLOW_ACQUIRE_MS", "-5", "greater than zero"),
        ("CHANUKA_DB_UTILIZATION_WARN", "0", "fraction greater than 0 and at most 1"),
        ("CHANUKA_DB_UTILIZATION_ERROR", "1.5", "fraction greater than 0 and at most 1"),
        ("CHANUKA_DB_UTILIZATION_WINDOW_S", "-1", "zero or more"),
        ("CHANUKA_DB_BREAKER_THRESHOLD", "0", "greater than zero"),
        ("CHANUKA_DB_BREAKER_COOLDOWN_S", "0", "greater than zero"),
        ("CHANUKA_DB_RETRY_ATTEMPTS", "0", "greater than zero"),
        ("CHANUKA_DB_RETRY_BASE_DELAY_MS", "-1", "zero or more"),
    ],
)
def test_invalid_values_name_the_variable_and_the_value(
    variable: str, raw: str, reason: str
) -> None:
    with pytest.raises(ConfigError) as err:
        config(**{variable: raw})
    assert err.value.variable == variable
    assert err.value.value == raw
    assert reason in str(err.value)
    assert variable in str(err.value)


def test_min_above_max_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"CHANUKA_DB_POOL_MIN=.9..*CHANUKA_DB_POOL_MAX"):
        config(CHANUKA_DB_POOL_MIN="9", CHANUKA_DB_POOL_MAX="4")


def test_max_below_the_profile_minimum_blames_the_maximum() -> None:
    with pytest.raises(ConfigError) as err:
        config(CHANUKA_DB_POOL_MAX="3")
    assert err.value.variable == "CHANUKA_DB_POOL_MAX"
    assert "smaller than pool_min (5)" in str(err.value)


def test_utilization_warn_above_error_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as err:
        config(CHANUKA_DB_UTILIZATION_WARN="0.95")
    assert err.value.variable == "CHANUKA_DB_UTILIZATION_WARN"
    assert "CHANUKA_DB_UTILIZATION_ERROR" in str(err.value)
    with pytest.raises(ConfigError) as err:
        config(CHANUKA_DB_UTILIZATION_ERROR="0.5")
    assert err.value.variable == "CHANUKA_DB_UTILIZATION_ERROR"
    assert "smaller than utilization_warn (0.8)" in str(err.value)


def test_unknown_chanuka_db_variable_is_a_typo_not_a_silent_default() -> None:
    with pytest.raises(ConfigError) as err:
        config(CHANUKA_DB_POOL_MAXX="50")
    assert err.value.variable == "CHANUKA_DB_POOL_MAXX"
    assert "unknown setting" in str(err.value)


def test_programmatic_construction_is_validated_too() -> None:
    with pytest.raises(ConfigError, match="pool_max"):
        DatabaseConfig(pool_max=0)
    with pytest.raises(ConfigError, match="greater than pool_max"):
        DatabaseConfig(pool_min=30)
    assert DatabaseConfig.for_environment(Environment.TEST, pool_max=3).pool_min == 1


def test_database_url_is_parsed() -> None:
    cfg = config(DATABASE_URL=f"postgresql://alice:{SECRET_ENCODED}@db.example:6432/chanuka")
    assert cfg.url is not None and not cfg.embedded
    assert cfg.url.mapping == {
        "host": "db.example",
        "port": "6432",
        "user": "alice",
        "password": SECRET,
        "dbname": "chanuka",
    }
    assert cfg.url.source == "DATABASE_URL"


def test_keyword_value_conninfo_is_accepted() -> None:
    cfg = config(DATABASE_URL="host=/run/pg dbname=chanuka user=app")
    assert cfg.url is not None
    assert cfg.url.dbname == "chanuka" and cfg.url.user == "app"
    assert cfg.url.redacted() == "postgresql://app@/chanuka?host=/run/pg"


def test_blank_database_url_means_unset() -> None:
    assert config(DATABASE_URL="  ").embedded


@pytest.mark.parametrize(
    "raw",
    [
        f"mysql://root:{SECRET}@localhost/chanuka",
        f"postgresql://alice:{SECRET_ENCODED}@db:notaport/chanuka",
        f"postgresql://alice:{SECRET_ENCODED}@db:70000/chanuka",
        f"postgresql://alice:{SECRET_ENCODED}@db/chanuka?nosuchoption=1",
        f"postgresql://alice:{SECRET_ENCODED}@db/chanuka%zz",
        f"host=db password={SECRET} dangling",
        f"postgresql://alice@db/chanuka?sslmode=bogus&password={SECRET_ENCODED}",
        "postgresql://[::1/chanuka",
    ],
)
def test_malformed_url_is_refused_without_leaking_the_password(
    raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigError) as err:
        config(DATABASE_URL=raw)
    assert err.value.variable == "DATABASE_URL"
    message = str(err.value)
    assert SECRET not in message and SECRET_ENCODED not in message
    assert SECRET not in repr(err.value.value)
    assert SECRET not in caplog.text


def test_libpq_variables_are_used_when_database_url_is_unset() -> None:
    cfg = config(
        PGHOST="pg.internal", PGPORT="5433", PGUSER="app", PGPASSWORD=SECRET, PGDATABASE="chanuka"
    )
    assert cfg.url is not None
    assert cfg.url.source == "PG* environment"
    assert cfg.url.mapping["password"] == SECRET
    assert cfg.url.redacted() == "postgresql://app:***@pg.internal:5433/chanuka"


def test_pgpassword_alone_does_not_select_a_server() -> None:
    assert config(PGPASSWORD=SECRET).embedded


def test_database_url_wins_over_libpq_variables() -> None:
    cfg = config(DATABASE_URL="postgresql://a@b/c", PGHOST="ignored")
    assert cfg.url is not None and cfg.url.mapping["host"] == "b"


def test_password_never_appears_in_repr_str_or_describe() -> None:
    cfg = config(DATABASE_URL=f"postgresql://alice:{SECRET_ENCODED}@db/chanuka?sslpassword=k3y")
    assert cfg.url is not None
    for text in (repr(cfg), str(cfg), repr(cfg.url), str(cfg.url), str(cfg.describe())):
        assert SECRET not in text and SECRET_ENCODED not in text and "k3y" not in text
        assert "***" in text
    assert SECRET in cfg.url.conninfo().replace("\\", "")


def test_password_never_appears_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cfg = config(DATABASE_URL=f"postgresql://alice:{SECRET_ENCODED}@db/chanuka")
    logging.getLogger("chanuka_db.test").info("using %s (%r)", cfg.url, cfg)
    assert "***" in caplog.text
    assert SECRET not in caplog.text and SECRET_ENCODED not in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        f"postgresql://u:{SECRET}@h/db",
        f"postgres://u:{SECRET}@h:1/db?x=1",
        f"host=h password={SECRET} user=u",
        f"host=h password = '{SECRET} with spaces' user=u",
        f"postgresql://u@h/db?password={SECRET}&sslmode=require",
        f"could not connect: postgresql://u:{SECRET}@h/db failed",
    ],
)
def test_redact_masks_passwords_in_any_shape(text: str) -> None:
    masked = redact(text)
    assert SECRET not in masked
    assert "***" in masked


def test_url_copies_keep_the_source_and_swap_parameters() -> None:
    url = DatabaseUrl.parse("postgresql://u:p@h/one")
    other = url.with_database("two")
    assert other.dbname == "two" and other.source == url.source
    assert url.with_params(password=None).mapping.get("password") is None
    assert "***" not in url.with_params(password=None).redacted()


def test_redacted_url_keeps_unix_socket_and_multi_host_targets_readable() -> None:
    sock = DatabaseUrl.from_params({"host": "/tmp/s", "port": "5433", "dbname": "d"}, source="x")
    assert sock.redacted() == "postgresql:///d?host=/tmp/s&port=5433"
    multi = DatabaseUrl.parse("postgresql://u@h1:5432,h2:5433/d")
    assert multi.redacted().startswith("postgresql://u@/d?host=h1,h2")


def test_cursor_secret_is_never_shown() -> None:
    secret = "s3cr3t-" * 6
    cfg = config(CHANUKA_DB_CURSOR_SECRET=secret)
    assert cfg.cursor_secret == secret
    assert secret not in repr(cfg)
    assert cfg.describe()["cursor_secret"] == "***"
    assert config().describe()["cursor_secret"] == "(random per process)"
    for short in ("tiny-secret", " " * 40):
        with pytest.raises(ConfigError) as err:
            config(CHANUKA_DB_CURSOR_SECRET=short)
        assert err.value.variable == "CHANUKA_DB_CURSOR_SECRET"
        assert short.strip() not in str(err.value) or not short.strip()
        assert "at least 32 characters" in str(err.value)
    with pytest.raises(ConfigError, match=r"cursor_secret='\*\*\*'"):
        DatabaseConfig(cursor_secret="short")
