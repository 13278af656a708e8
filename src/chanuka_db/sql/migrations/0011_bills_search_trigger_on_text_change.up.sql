-- The search trigger of the baseline fires on every UPDATE of bills and rebuilds the
-- four-part tsvector (the most expensive write in the schema) even for a view-count bump.
-- Replace it with two triggers that run update_bills_search_vector() (unchanged) only when
-- the vector can change:
--   * bills_search_vector_insert: every INSERT, as before;
--   * bills_search_vector_update: an UPDATE that names title, summary, description or content
--     in its SET list AND changes one of them (an ORM writing every column with the same
--     text does not re-index either).
-- Further fix: rows written before the trigger existed (a database adopted by baseline may
-- have them) have a NULL search_vector and cannot be found; fill them, as the migration that
-- created the trigger did (spec section 5, "Back-fill"). Setting only search_vector fires
-- neither trigger, and updated_at is left alone.

DROP TRIGGER bills_search_vector_update ON bills;

CREATE TRIGGER bills_search_vector_insert
    BEFORE INSERT ON bills
    FOR EACH ROW EXECUTE FUNCTION update_bills_search_vector();

CREATE TRIGGER bills_search_vector_update
    BEFORE UPDATE OF title, summary, description, content ON bills
    FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title
          OR OLD.summary IS DISTINCT FROM NEW.summary
          OR OLD.description IS DISTINCT FROM NEW.description
          OR OLD.content IS DISTINCT FROM NEW.content)
    EXECUTE FUNCTION update_bills_search_vector();

UPDATE bills
   SET search_vector =
           setweight(to_tsvector('english', coalesce(title, '')), 'A')
           || setweight(to_tsvector('english', coalesce(summary, '')), 'B')
           || setweight(to_tsvector('english', coalesce(description, '')), 'C')
           || setweight(to_tsvector('english', coalesce(content, '')), 'D')
 WHERE search_vector IS NULL;
