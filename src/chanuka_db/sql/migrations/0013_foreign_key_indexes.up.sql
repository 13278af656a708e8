-- chanuka:no-transaction
-- Index the nine foreign-key columns that have no index (spec section 7.5). Without one,
-- deleting a user, sponsor, bill or comment scans the whole referencing table to cascade or
-- to set NULL; with one it is a lookup.
--
-- Partial (WHERE col IS NOT NULL): all nine columns are nullable and mostly NULL (who reviewed,
-- reversed or approved something; which sponsor or comment an event mentions). The lookups
-- the foreign key makes ("col = $1") imply NOT NULL, so PostgreSQL uses the partial index for
-- them, and rows that reference nothing take no space in it.
--
-- Built with CREATE INDEX CONCURRENTLY so that writes go on while each index is built, which
-- cannot happen inside a transaction: hence no transaction, and a file that can be run again.
-- A build that failed or was cancelled leaves an INVALID index under its name, which
-- IF NOT EXISTS would then skip; the first statement drops such leftovers (only those: a plain
-- DROP INDEX, brief, and bounded by lock_timeout) so the next statements build them afresh.

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
           AND c.relname IN ('regulations_sponsor_id_idx', 'regulatory_changes_reported_by_idx',
                             'analysis_approved_by_idx', 'moderation_actions_reversed_by_idx',
                             'moderation_flags_reviewed_by_idx', 'content_flags_reviewed_by_idx',
                             'analytics_events_sponsor_id_idx', 'analytics_events_comment_id_idx',
                             'notifications_related_bill_id_idx')
    LOOP
        RAISE NOTICE 'dropping % left INVALID by an earlier, failed build', leftover;
        EXECUTE format('DROP INDEX %s', leftover);
    END LOOP;
END;
$$;

CREATE INDEX CONCURRENTLY IF NOT EXISTS regulations_sponsor_id_idx
    ON regulations (sponsor_id) WHERE sponsor_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS regulatory_changes_reported_by_idx
    ON regulatory_changes (reported_by) WHERE reported_by IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS analysis_approved_by_idx
    ON analysis (approved_by) WHERE approved_by IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS moderation_actions_reversed_by_idx
    ON moderation_actions (reversed_by) WHERE reversed_by IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS moderation_flags_reviewed_by_idx
    ON moderation_flags (reviewed_by) WHERE reviewed_by IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS content_flags_reviewed_by_idx
    ON content_flags (reviewed_by) WHERE reviewed_by IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS analytics_events_sponsor_id_idx
    ON analytics_events (sponsor_id) WHERE sponsor_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS analytics_events_comment_id_idx
    ON analytics_events (comment_id) WHERE comment_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS notifications_related_bill_id_idx
    ON notifications (related_bill_id) WHERE related_bill_id IS NOT NULL;
