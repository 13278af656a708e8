-- chanuka:no-transaction
-- bills.list shows a page of bill summaries, newest first (created_at DESC, id DESC: the
-- default order), of every bill or of one status. No index gave that order: the spec's
-- created_at indexes all lead with category or status and a third key, so each page read
-- and sorted every matching bill. At the large scale (100,000 bills) the unfiltered page
-- was a parallel sequential scan of the 167 MB table and a top-N sort, about 92 ms
-- (the load benchmark's p95 of bills.list: 118 ms); the busiest status (assented, 56,000
-- bills) about the same. With these, a page reads its 20 rows in order, and the count of
-- a status stays an index-only scan.
--
--   bills_listing_idx:         (created_at DESC, id DESC): every bill, newest first.
--   bills_status_listing_idx:  (status, created_at DESC, id DESC): one stage, newest first.
--
-- Cost: bills' counter updates (views, comments, shares) are not HOT already (view_count
-- and engagement_score are indexed), so they now write two more index entries; the
-- benchmark shows engagement.record unchanged within noise. bills_status_idx is a prefix
-- of the second index but is kept, as 0012 keeps every such prefix.
--
-- Built CONCURRENTLY so that writes go on, hence no transaction and a file that can be run
-- again; an INVALID index left by a failed build is dropped first (as in 0013 and 0019).

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
           AND c.relname IN ('bills_listing_idx', 'bills_status_listing_idx')
    LOOP
        RAISE NOTICE 'dropping % left INVALID by an earlier, failed build', leftover;
        EXECUTE format('DROP INDEX %s', leftover);
    END LOOP;
END;
$$;

CREATE INDEX CONCURRENTLY IF NOT EXISTS bills_listing_idx
    ON bills (created_at DESC, id DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS bills_status_listing_idx
    ON bills (status, created_at DESC, id DESC);
