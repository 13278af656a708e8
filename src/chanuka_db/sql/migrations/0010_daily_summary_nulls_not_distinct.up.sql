-- analytics_daily_summary is unique on (date, event_type, event_category), but event_category
-- is nullable and NULLs count as distinct, so a roll-up with no category could be inserted
-- again and again for the same day (spec section 7.6). Make NULL a value of the key
-- (UNIQUE NULLS NOT DISTINCT, PostgreSQL 15+), keeping the constraint's name.
--
-- Existing duplicates are merged first so this applies to a filled table: per (date,
-- event_type) with a NULL category, the most recently written row (highest id) is kept and
-- the others are deleted. The roll-up is recomputed, not accumulated: unique_users and
-- unique_sessions are distinct counts, which cannot be summed across rows, so each duplicate
-- is a re-run of the same day and the newest one is the complete one. The number of rows
-- removed is reported as a NOTICE.
--
-- The other roll-up keys, (user_id, date) and (bill_id, date), have no nullable column.
-- sponsors (name, email) and bills.bill_number stay NULLS DISTINCT on purpose: two sponsors
-- with the same name and no e-mail may be two people, and many bills have no number yet.

DO $$
DECLARE
    merged integer;
BEGIN
    DELETE FROM analytics_daily_summary AS older
     USING analytics_daily_summary AS newer
     WHERE older.event_category IS NULL
       AND newer.event_category IS NULL
       AND newer.date = older.date
       AND newer.event_type = older.event_type
       AND newer.id > older.id;
    GET DIAGNOSTICS merged = ROW_COUNT;
    IF merged > 0 THEN
        RAISE NOTICE 'analytics_daily_summary: removed % duplicate roll-up row(s) with a NULL '
            'event_category, keeping the newest of each (date, event_type)', merged;
    END IF;
END;
$$;

ALTER TABLE analytics_daily_summary
    DROP CONSTRAINT analytics_daily_summary_date_event_type_event_category_key,
    ADD CONSTRAINT analytics_daily_summary_date_event_type_event_category_key
        UNIQUE NULLS NOT DISTINCT (date, event_type, event_category);
