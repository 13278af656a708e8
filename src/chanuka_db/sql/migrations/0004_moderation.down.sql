-- Undo 0004_moderation: drop its tables (dependants first).
DROP TABLE content_flags;
DROP TABLE moderation_queue;
DROP TABLE moderation_flags;
DROP TABLE moderation_actions;
DROP TABLE content_analysis;
DROP FUNCTION update_moderation_queue_updated_at();
