-- chanuka:no-transaction
-- Undo 0013_foreign_key_indexes, concurrently (reads and writes go on) and re-runnable.
DROP INDEX CONCURRENTLY IF EXISTS regulations_sponsor_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS regulatory_changes_reported_by_idx;
DROP INDEX CONCURRENTLY IF EXISTS analysis_approved_by_idx;
DROP INDEX CONCURRENTLY IF EXISTS moderation_actions_reversed_by_idx;
DROP INDEX CONCURRENTLY IF EXISTS moderation_flags_reviewed_by_idx;
DROP INDEX CONCURRENTLY IF EXISTS content_flags_reviewed_by_idx;
DROP INDEX CONCURRENTLY IF EXISTS analytics_events_sponsor_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS analytics_events_comment_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS notifications_related_bill_id_idx;
