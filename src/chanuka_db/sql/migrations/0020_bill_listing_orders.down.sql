-- chanuka:no-transaction
-- Undo 0020_bill_listing_orders, concurrently (reads and writes go on) and re-runnable.
DROP INDEX CONCURRENTLY IF EXISTS bills_listing_idx;
DROP INDEX CONCURRENTLY IF EXISTS bills_status_listing_idx;
