-- Undo 0018_row_level_security: every policy and the auth_*_owner() functions go, and
-- row-level security is off again on the tables that had it.

DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT p.polname, p.polrelid::regclass AS table_name
          FROM pg_policy p
          JOIN pg_class c ON c.oid = p.polrelid
         WHERE c.relnamespace = current_schema()::regnamespace
    LOOP
        EXECUTE format('DROP POLICY %I ON %s', item.polname, item.table_name);
    END LOOP;
    FOR item IN
        SELECT c.oid::regclass AS table_name
          FROM pg_class c
         WHERE c.relnamespace = current_schema()::regnamespace
           AND (c.relrowsecurity OR c.relforcerowsecurity)
    LOOP
        EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', item.table_name);
        EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', item.table_name);
    END LOOP;
END
$$;

DROP FUNCTION auth_session_owner(text);
DROP FUNCTION auth_refresh_token_owner(text);
DROP FUNCTION auth_password_reset_owner(text);
DROP FUNCTION auth_social_login_owners(text, text);
DROP FUNCTION auth_owner_lookup(text, text[]);
