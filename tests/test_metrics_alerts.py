"""docs/ops/alerts.yml: valid rules, on metrics the collector really exports, firing as meant."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from chanuka_db import Database
from chanuka_db.metrics import register_metrics
from chanuka_db.pool.config import DatabaseConfig, DatabaseUrl, Environment
from chanuka_db.sql import trusted
from tests.conftest import repo_root

RULES = repo_root() / "docs" / "ops" / "alerts.yml"
METRIC = re.compile(r"\bchanuka_db_[a-z0-9_]+")
DURATION = re.compile(r"^\d+[smh]$")
PROMTOOL = shutil.which("promtool")
# What the seed plan asks for, as (alert, a fragment its expression must contain).
SEED_THRESHOLDS = {
    "ChanukaDbQueryP95High": "> 0.2",
    "ChanukaDbPoolUtilizationHigh": "> 0.9",
    "ChanukaDbConnectionFailures": "[1m])",
    "ChanukaDbMigrationNotApplied": 'state=~"pending|out_of_order"',
}


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


@pytest.fixture
def exported(database_url: DatabaseUrl) -> Iterator[set[str]]:
    """Every sample name the collector exports after some work (names, not families)."""
    config = DatabaseConfig.for_environment(Environment.TEST, url=database_url)
    with Database(config) as db:
        with db.connection() as conn:
            db.executor(conn).execute(trusted("SELECT 1"))
        db.health()
        registry = CollectorRegistry()
        register_metrics(db, registry)
        yield {sample.name for family in registry.collect() for sample in family.samples}


def test_every_rule_is_complete_and_the_seed_thresholds_are_there() -> None:
    found = rules()
    names = [rule["alert"] for rule in found]
    assert len(names) == len(set(names))
    for rule in found:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert DURATION.match(rule.get("for", "0s")), rule["alert"]
    by_name = {rule["alert"]: rule["expr"] for rule in found}
    for alert, fragment in SEED_THRESHOLDS.items():
        assert fragment in by_name[alert], alert


def test_every_metric_in_the_rules_is_exported(exported: set[str]) -> None:
    used = {name for rule in rules() for name in METRIC.findall(yaml.safe_dump(rule))}
    assert used, "no metric found in the rules"
    assert used <= exported, sorted(used - exported)


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (the YAML is parsed)")
def test_promtool_accepts_the_rules() -> None:
    assert PROMTOOL is not None
    result = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Synthetic series for `promtool test rules`: each alert fires on its threshold's far side
# and stays quiet on the near side (instance a breaks the threshold, instance b does not).
_UNIT_TESTS = """
rule_files: [{rules}]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'chanuka_db_pool_connections{{state="used",instance="a"}}'
        values: '19x20'
      - series: 'chanuka_db_pool_connections_max{{instance="a"}}'
        values: '20x20'
      - series: 'chanuka_db_pool_connections{{state="used",instance="b"}}'
        values: '18x20'
      - series: 'chanuka_db_pool_connections_max{{instance="b"}}'
        values: '20x20'
      - series: 'chanuka_db_pool_errors_total{{kind="connect",instance="a"}}'
        values: '0+2x20'
      - series: 'chanuka_db_pool_errors_total{{kind="connect",instance="b"}}'
        values: '0+1x20'
      - series: 'chanuka_db_schema_migrations{{state="pending",instance="a"}}'
        values: '1x60'
      - series: 'chanuka_db_schema_migrations{{state="pending",instance="b"}}'
        values: '0x60'
      - series: 'chanuka_db_schema_head_version{{instance="a"}}'
        values: '14x60'
    alert_rule_test:
      - eval_time: 3m
        alertname: ChanukaDbPoolUtilizationHigh
        exp_alerts:
          - exp_labels: {{severity: warning, instance: a}}
      - eval_time: 3m
        alertname: ChanukaDbConnectionFailures
        exp_alerts:
          - exp_labels: {{severity: critical, instance: a}}
      - eval_time: 11m
        alertname: ChanukaDbMigrationNotApplied
        exp_alerts:
          - exp_labels: {{severity: critical, state: pending, instance: a}}
      - eval_time: 5m
        alertname: ChanukaDbMigrationNotApplied
        exp_alerts: []
  - interval: 1m
    input_series:
      - series: 'chanuka_db_query_duration_seconds_bucket{{le="0.131072",instance="a"}}'
        values: '0+85x20'
      - series: 'chanuka_db_query_duration_seconds_bucket{{le="0.262144",instance="a"}}'
        values: '0+100x20'
      - series: 'chanuka_db_query_duration_seconds_bucket{{le="+Inf",instance="a"}}'
        values: '0+100x20'
      - series: 'chanuka_db_query_duration_seconds_bucket{{le="0.131072",instance="b"}}'
        values: '0+96x20'
      - series: 'chanuka_db_query_duration_seconds_bucket{{le="0.262144",instance="b"}}'
        values: '0+100x20'
      - series: 'chanuka_db_query_duration_seconds_bucket{{le="+Inf",instance="b"}}'
        values: '0+100x20'
    alert_rule_test:
      - eval_time: 16m
        alertname: ChanukaDbQueryP95High
        exp_alerts:
          - exp_labels: {{severity: warning, instance: a}}
"""


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")
def test_the_alerts_fire_on_their_thresholds(tmp_path: Path) -> None:
    assert PROMTOOL is not None
    # promtool compares annotations too; the expectations name only the labels.
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    for group in document["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    bare = tmp_path / "alerts.yml"
    bare.write_text(yaml.safe_dump(document), encoding="utf-8")
    tests = tmp_path / "alerts_test.yml"
    tests.write_text(textwrap.dedent(_UNIT_TESTS).format(rules=bare), encoding="utf-8")
    result = subprocess.run(
        [PROMTOOL, "test", "rules", str(tests)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
