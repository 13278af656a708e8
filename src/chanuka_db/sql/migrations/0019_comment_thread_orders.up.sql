-- chanuka:no-transaction
-- comments.list_threaded shows a page of a bill's top-level comments in one of four orders
-- (recent, oldest, popular = upvotes - downvotes, verified first). No index gave the last
-- three, so each page sorted every top-level comment of the bill: at the large scale the
-- busiest bill has 371,000 threads and its popular, verified and oldest pages took 0.4-0.56 s
-- (the load benchmark's p95 of list_threaded: 453 ms). With these partial indexes (top-level
-- comments only, the ones a thread page reads) each page reads its 20 rows in order.
--
--   bill_comments_threads_time_idx:     (bill_id, created_at DESC, id DESC): recent, and
--                                       oldest read backwards; also the index-only count of
--                                       a bill's threads, smaller than the composite one.
--   bill_comments_threads_popular_idx:  (bill_id, upvotes::bigint - downvotes DESC, created_at
--                                       DESC, id DESC); in bigint, so that no pair of int
--                                       counters can overflow the score (an int difference
--                                       would make such a row unwritable, its index entry
--                                       uncomputable). Votes already change an indexed column
--                                       (idx_bill_comments_votes), so updates of the counters
--                                       were not HOT before either: no new write cost class.
--   bill_comments_threads_verified_idx: (bill_id, is_verified DESC, created_at DESC, id DESC).
--
-- Built CONCURRENTLY so that writes go on, hence no transaction and a file that can be run
-- again; an INVALID index left by a failed build is dropped first (as in 0013 and 0015).

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
           AND c.relname IN ('bill_comments_threads_time_idx', 'bill_comments_threads_popular_idx',
                             'bill_comments_threads_verified_idx')
    LOOP
        RAISE NOTICE 'dropping % left INVALID by an earlier, failed build', leftover;
        EXECUTE format('DROP INDEX %s', leftover);
    END LOOP;
END;
$$;

CREATE INDEX CONCURRENTLY IF NOT EXISTS bill_comments_threads_time_idx
    ON bill_comments (bill_id, created_at DESC, id DESC)
    WHERE parent_comment_id IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS bill_comments_threads_popular_idx
    ON bill_comments (bill_id, (upvotes::bigint - downvotes) DESC, created_at DESC, id DESC)
    WHERE parent_comment_id IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS bill_comments_threads_verified_idx
    ON bill_comments (bill_id, is_verified DESC, created_at DESC, id DESC)
    WHERE parent_comment_id IS NULL;
