-- Undo 0005_analytics: drop its tables (dependants first).
DROP TABLE system_health_metrics;
DROP TABLE bill_analytics_summary;
DROP TABLE user_activity_summary;
DROP TABLE analytics_daily_summary;
DROP TABLE analytics_events;
DROP FUNCTION update_user_activity_summary_updated_at();
DROP FUNCTION update_bill_analytics_summary_updated_at();
