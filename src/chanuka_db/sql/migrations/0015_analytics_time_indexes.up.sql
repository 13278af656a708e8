-- chanuka:no-transaction
-- The daily roll-ups (chanuka_db.repositories.analytics) read one day of analytics_events by
-- created_at, and trending bills read a window of bill_analytics_summary by date (and its
-- latest date). Neither table has an index that starts with that column, so both were scans of
-- the whole table, growing with every day of history.
--
--   analytics_events_created_at_brin: BRIN on created_at. Events are appended in time order,
--     so each range of blocks covers a narrow span of time: the index is a few pages for
--     millions of rows and costs an insert next to nothing (a B-tree on a write-mostly stream
--     would be large and slow every insert). Events back-filled out of order only widen some
--     ranges; results stay exact.
--   bill_analytics_summary_date_idx: B-tree on date, for the trending window and max(date).
--
-- Built CONCURRENTLY so that writes go on, hence no transaction and a file that can be run
-- again; an INVALID index left by a failed build is dropped first (as in 0013).

DO $$
DECLARE
    leftover regclass;
BEGIN
    PERFORM set_config('lock_timeout', '10s', true);
    FOR leftover IN
        SELECT i.indexrelid::regclass
          FROM pg_index i
          JOIN pg_class c ON c.oid = i.indexrelid
         WHERE NOT i.indisvalid
           AND c.relnamespace = current_schema()::regnamespace
           AND c.relname IN ('analytics_events_created_at_brin', 'bill_analytics_summary_date_idx')
    LOOP
        RAISE NOTICE 'dropping % left INVALID by an earlier, failed build', leftover;
        EXECUTE format('DROP INDEX %s', leftover);
    END LOOP;
END;
$$;

CREATE INDEX CONCURRENTLY IF NOT EXISTS analytics_events_created_at_brin
    ON analytics_events USING brin (created_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS bill_analytics_summary_date_idx
    ON bill_analytics_summary (date);
