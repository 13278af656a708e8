-- Undo 0014_moderation_open_item_keys: open queue items and open reports are no longer unique
-- per content (merged items and closed duplicate reports are not brought back).
DROP INDEX moderation_flags_open_report_key;
DROP INDEX moderation_queue_open_content_key;
