-- chanuka:no-transaction
-- Undo 0019_comment_thread_orders, concurrently (reads and writes go on) and re-runnable.
DROP INDEX CONCURRENTLY IF EXISTS bill_comments_threads_time_idx;
DROP INDEX CONCURRENTLY IF EXISTS bill_comments_threads_popular_idx;
DROP INDEX CONCURRENTLY IF EXISTS bill_comments_threads_verified_idx;
