"""Repositories of the analytics domain: the event stream, daily roll-ups, health metrics."""

from __future__ import annotations

from chanuka_db.repositories.base import TableRepository
from chanuka_db.types import (
    AnalyticsDailySummary,
    AnalyticsDailySummaryPatch,
    AnalyticsEvent,
    AnalyticsEventPatch,
    BillAnalyticsSummary,
    BillAnalyticsSummaryPatch,
    NewAnalyticsDailySummary,
    NewAnalyticsEvent,
    NewBillAnalyticsSummary,
    NewSystemHealthMetric,
    NewUserActivitySummary,
    SystemHealthMetric,
    SystemHealthMetricPatch,
    UserActivitySummary,
    UserActivitySummaryPatch,
    tables,
)

__all__ = [
    "AnalyticsDailySummaryRepository",
    "AnalyticsEventRepository",
    "BillAnalyticsSummaryRepository",
    "SystemHealthMetricRepository",
    "UserActivitySummaryRepository",
]


class AnalyticsDailySummaryRepository(
    TableRepository[AnalyticsDailySummary, NewAnalyticsDailySummary, AnalyticsDailySummaryPatch]
):
    """Rows of ``analytics_daily_summary``."""

    table = tables.analytics_daily_summary


class AnalyticsEventRepository(
    TableRepository[AnalyticsEvent, NewAnalyticsEvent, AnalyticsEventPatch]
):
    """Rows of ``analytics_events``."""

    table = tables.analytics_events


class BillAnalyticsSummaryRepository(
    TableRepository[BillAnalyticsSummary, NewBillAnalyticsSummary, BillAnalyticsSummaryPatch]
):
    """Rows of ``bill_analytics_summary``."""

    table = tables.bill_analytics_summary


class SystemHealthMetricRepository(
    TableRepository[SystemHealthMetric, NewSystemHealthMetric, SystemHealthMetricPatch]
):
    """Rows of ``system_health_metrics``."""

    table = tables.system_health_metrics


class UserActivitySummaryRepository(
    TableRepository[UserActivitySummary, NewUserActivitySummary, UserActivitySummaryPatch]
):
    """Rows of ``user_activity_summary``."""

    table = tables.user_activity_summary
