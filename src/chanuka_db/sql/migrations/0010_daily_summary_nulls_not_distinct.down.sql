-- Undo 0010_daily_summary_nulls_not_distinct: NULL categories count as distinct again
-- (merged duplicate rows are not brought back).
ALTER TABLE analytics_daily_summary
    DROP CONSTRAINT analytics_daily_summary_date_event_type_event_category_key,
    ADD CONSTRAINT analytics_daily_summary_date_event_type_event_category_key
        UNIQUE (date, event_type, event_category);
