-- Undo 0017_roles in this database: the privileges of chanuka_app and chanuka_system go, and
-- the schema's objects go back to the login running the rollback.
-- The roles stay, and so does the login's membership of chanuka_owner: roles belong to the
-- whole server, other databases may use them (DROP ROLE fails while any database holds an
-- object or privilege of theirs). Drop them by hand once no database needs them
-- (docs/security.md). CREATE on the schema stays revoked from PUBLIC (PostgreSQL 15's default).

DO $$
DECLARE
    schema_name CONSTANT text := current_schema();
    item record;
BEGIN
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE chanuka_owner IN SCHEMA %I'
                   ' REVOKE ALL ON TABLES FROM chanuka_app, chanuka_system', schema_name);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE chanuka_owner IN SCHEMA %I'
                   ' REVOKE ALL ON SEQUENCES FROM chanuka_app, chanuka_system', schema_name);
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM chanuka_app, chanuka_system',
                   schema_name);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM chanuka_app, chanuka_system',
                   schema_name);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM chanuka_app, chanuka_system',
                   schema_name);
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM chanuka_app, chanuka_system', schema_name);

    FOR item IN
        SELECT c.oid::regclass AS name,
               CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
          FROM pg_class c
         WHERE c.relnamespace = current_schema()::regnamespace
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
           AND c.relowner = 'chanuka_owner'::regrole
           AND NOT EXISTS (SELECT FROM pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', item.kind, item.name, current_user);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name
          FROM pg_proc p
         WHERE p.pronamespace = current_schema()::regnamespace
           AND p.proowner = 'chanuka_owner'::regrole
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.name, current_user);
    END LOOP;
    IF current_user <> 'chanuka_owner' THEN
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM chanuka_owner', schema_name);
    END IF;
END
$$;

DROP FUNCTION secure_schema();
