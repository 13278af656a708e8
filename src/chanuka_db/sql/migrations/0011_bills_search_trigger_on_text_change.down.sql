-- Undo 0011_bills_search_trigger_on_text_change: one trigger on every INSERT and UPDATE again
-- (back-filled vectors stay: they are what that trigger would have written).
DROP TRIGGER bills_search_vector_update ON bills;
DROP TRIGGER bills_search_vector_insert ON bills;

CREATE TRIGGER bills_search_vector_update
    BEFORE INSERT OR UPDATE ON bills
    FOR EACH ROW EXECUTE FUNCTION update_bills_search_vector();
