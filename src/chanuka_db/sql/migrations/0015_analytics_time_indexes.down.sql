-- chanuka:no-transaction
-- Undo 0015_analytics_time_indexes, concurrently (reads and writes go on) and re-runnable.
DROP INDEX CONCURRENTLY IF EXISTS analytics_events_created_at_brin;
DROP INDEX CONCURRENTLY IF EXISTS bill_analytics_summary_date_idx;
