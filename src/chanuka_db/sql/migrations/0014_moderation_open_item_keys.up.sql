-- Flagging content is an upsert (chanuka_db.repositories.moderation): every report about a
-- piece of content merges into ONE open review item, and a user who reports the same content
-- again while their report is open makes no second report. INSERT ... ON CONFLICT can only
-- merge on a unique index, and the baseline has none on either table (content is addressed
-- polymorphically by (content_type, content_id), spec section 7.2), so concurrent reports
-- could only be merged with locks and check-then-insert. This adds two partial unique indexes:
--
--   moderation_queue_open_content_key: one open item (status pending or escalated) per
--     (content_type, content_id). Decided items (approved, rejected) are history: content
--     flagged again after a decision gets a new item.
--   moderation_flags_open_report_key: one open report (pending or escalated) per
--     (content_type, content_id, reported_by). Decided reports are history likewise.
--
-- Existing rows that would break them are merged first (each merge is reported as a NOTICE):
--   queue: per content, the oldest open item (lowest id) is kept and takes in the others'
--     flags (both as JSON arrays, concatenated), flag reasons (union), the highest priority and
--     auto_flagged; the others are then deleted, since all they held now lives in the kept one.
--   flags: per reporter and content, the oldest open report is kept; the newer ones are closed
--     as status 'dismissed' with resolution 'duplicate of flag #<kept id>' (rows are kept).
-- Both tables are small review tables, so the indexes are built in this file's transaction
-- (a plain CREATE INDEX), which also keeps a duplicate from slipping in between merge and build.

DO $$
DECLARE
    merged integer;
BEGIN
    WITH ranked AS (
        SELECT id, content_type, content_id,
               first_value(id) OVER (PARTITION BY content_type, content_id ORDER BY id) AS keep
          FROM moderation_queue
         WHERE status IN ('pending', 'escalated')
    ), folded AS (
        SELECT r.keep,
               jsonb_agg(e.flag ORDER BY q.id, e.n) AS flags,
               max(q.priority) AS priority,
               bool_or(coalesce(q.auto_flagged, false)) AS auto_flagged
          FROM ranked r
          JOIN moderation_queue q ON q.id = r.id
          CROSS JOIN LATERAL jsonb_array_elements(
                CASE jsonb_typeof(q.flags) WHEN 'array' THEN q.flags
                     ELSE jsonb_build_array(q.flags) END) WITH ORDINALITY AS e(flag, n)
         WHERE r.keep IN (SELECT keep FROM ranked WHERE id <> keep)
         GROUP BY r.keep
    ), reasons AS (
        SELECT r.keep, array_agg(DISTINCT reason ORDER BY reason) AS flag_reasons
          FROM ranked r
          JOIN moderation_queue q ON q.id = r.id
          CROSS JOIN LATERAL unnest(q.flag_reasons) AS reason
         WHERE r.keep IN (SELECT keep FROM ranked WHERE id <> keep)
         GROUP BY r.keep
    )
    UPDATE moderation_queue AS q
       SET flags = f.flags,
           priority = f.priority,
           auto_flagged = f.auto_flagged,
           flag_reasons = coalesce(r.flag_reasons, q.flag_reasons)
      FROM folded f
      LEFT JOIN reasons r ON r.keep = f.keep
     WHERE q.id = f.keep;

    DELETE FROM moderation_queue AS newer
     USING moderation_queue AS older
     WHERE newer.status IN ('pending', 'escalated')
       AND older.status IN ('pending', 'escalated')
       AND older.content_type = newer.content_type
       AND older.content_id = newer.content_id
       AND older.id < newer.id;
    GET DIAGNOSTICS merged = ROW_COUNT;
    IF merged > 0 THEN
        RAISE NOTICE 'moderation_queue: merged % duplicate open item(s) into the oldest open '
            'item of the same content', merged;
    END IF;

    WITH ranked AS (
        SELECT id,
               first_value(id) OVER (PARTITION BY content_type, content_id, reported_by
                                     ORDER BY id) AS keep
          FROM moderation_flags
         WHERE status IN ('pending', 'escalated')
    )
    UPDATE moderation_flags AS f
       SET status = 'dismissed',
           resolution = 'duplicate of flag #' || r.keep,
           updated_at = now()
      FROM ranked r
     WHERE f.id = r.id
       AND r.id <> r.keep;
    GET DIAGNOSTICS merged = ROW_COUNT;
    IF merged > 0 THEN
        RAISE NOTICE 'moderation_flags: closed % duplicate open report(s) as dismissed '
            'duplicates of the same reporter''s oldest open report', merged;
    END IF;
END;
$$;

CREATE UNIQUE INDEX moderation_queue_open_content_key
    ON moderation_queue (content_type, content_id)
    WHERE status IN ('pending', 'escalated');

CREATE UNIQUE INDEX moderation_flags_open_report_key
    ON moderation_flags (content_type, content_id, reported_by)
    WHERE status IN ('pending', 'escalated');
