-- Least-privilege roles (docs/security.md). Three server-wide roles, created when missing:
--   chanuka_owner   NOLOGIN: owns every table, sequence and function of the schema. Migrations
--                   run as a member of it: a superuser (the embedded default), or a production
--                   login granted chanuka_owner; what they create is handed to it by
--                   secure_schema(), which every migration that adds objects ends with.
--   chanuka_app     LOGIN: the application. SELECT/INSERT/UPDATE/DELETE on the domain tables,
--                   USAGE on their sequences, SELECT on audit_log (rows filtered by 0018) and on
--                   the ledger; nothing else. Not a superuser, not an owner, no BYPASSRLS, no
--                   CREATE: it cannot run DDL, turn off row-level security or triggers, or write
--                   the audit.
--   chanuka_system  LOGIN: background jobs. The same privileges, plus audit_purge(), plus the
--                   policies' system path (0018) in transactions that set app.role = 'system'.
-- No password is set here: passwords (or certificates) are provisioned by the operator.
-- Creating a role needs CREATEROLE or a superuser; without either, the roles must exist.
-- Roles belong to the whole server, and other databases on it may be migrating at the same
-- moment: a role created meanwhile by one of them is a duplicate error that is caught.
-- An existing role with SUPERUSER or BYPASSRLS stops the migration: row-level security
-- would silently not apply to it.

DO $$
DECLARE
    wanted record;
    dangerous boolean;
BEGIN
    FOR wanted IN
        SELECT * FROM (VALUES ('chanuka_owner', 'NOLOGIN'),
                              ('chanuka_app', 'LOGIN'),
                              ('chanuka_system', 'LOGIN')) AS v(name, login)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = wanted.name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s NOSUPERUSER NOCREATEDB NOCREATEROLE'
                               ' NOREPLICATION NOBYPASSRLS', wanted.name, wanted.login);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- created at the same moment by a migration of another database
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'role % does not exist and % may not create roles',
                                    wanted.name, current_user
                        USING HINT = 'create chanuka_owner, chanuka_app and chanuka_system as '
                                     'docs/security.md shows, or migrate with CREATEROLE';
            END;
        END IF;
        SELECT rolsuper OR rolbypassrls INTO dangerous FROM pg_roles WHERE rolname = wanted.name;
        IF dangerous THEN
            RAISE EXCEPTION 'role % is a superuser or has BYPASSRLS: row-level security would '
                            'not apply to it', wanted.name
                USING HINT = format('ALTER ROLE %I NOSUPERUSER NOBYPASSRLS', wanted.name);
        END IF;
    END LOOP;
END
$$;

-- A login that is not a superuser hands objects to chanuka_owner only as a member of it.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'chanuka_owner', 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT chanuka_owner TO %I', current_user);
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN
                NULL;
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION '% must be a member of chanuka_owner to run migrations',
                                current_user
                    USING HINT = format('as a superuser: GRANT chanuka_owner TO %I', current_user);
        END;
    END IF;
END
$$;

-- Only the owner creates objects in the schema; tables it creates later are granted to the
-- application and the jobs as they are created.
DO $$
DECLARE
    schema_name CONSTANT text := current_schema();
BEGIN
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', schema_name);
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO chanuka_owner', schema_name);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO chanuka_app, chanuka_system', schema_name);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE chanuka_owner IN SCHEMA %I GRANT SELECT,'
                   ' INSERT, UPDATE, DELETE ON TABLES TO chanuka_app, chanuka_system', schema_name);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE chanuka_owner IN SCHEMA %I GRANT USAGE'
                   ' ON SEQUENCES TO chanuka_app, chanuka_system', schema_name);
END
$$;

-- secure_schema(): make the schema as this file describes, touching only what differs (no
-- lock is taken on a table that is already right). Idempotent; migrations that add tables,
-- columns or functions end with SELECT secure_schema() (a test checks the result).
CREATE FUNCTION secure_schema() RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    item record;
    dml CONSTANT text[] := '{SELECT,INSERT,UPDATE,DELETE}';
BEGIN
    -- Ownership. Indexes and the sequences of serial columns follow their table.
    FOR item IN
        SELECT c.oid::regclass AS name,
               CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
          FROM pg_class c
         WHERE c.relnamespace = current_schema()::regnamespace
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
           AND c.relowner <> 'chanuka_owner'::regrole
           AND NOT EXISTS (SELECT FROM pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO chanuka_owner', item.kind, item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name
          FROM pg_proc p
         WHERE p.pronamespace = current_schema()::regnamespace
           AND p.proowner <> 'chanuka_owner'::regrole
           AND NOT EXISTS (SELECT FROM pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                              AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO chanuka_owner', item.name);
    END LOOP;

    -- Privileges of the application and the jobs on the domain tables, and the audit.
    FOR item IN
        SELECT c.oid::regclass AS name, c.relname::text AS relname, who.role
          FROM pg_class c
         CROSS JOIN (VALUES ('chanuka_app'), ('chanuka_system')) AS who(role)
         WHERE c.relnamespace = current_schema()::regnamespace
           AND c.relkind IN ('r', 'p')
           AND obj_description(c.oid, 'pg_class') LIKE 'domain: %'
    LOOP
        IF item.relname = 'audit_log' THEN
            IF NOT has_table_privilege(item.role, item.name, 'SELECT') THEN
                EXECUTE format('GRANT SELECT ON %s TO %I', item.name, item.role);
            END IF;
        ELSIF EXISTS (SELECT FROM unnest(dml) AS p
                       WHERE NOT has_table_privilege(item.role, item.name, p)) THEN
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I',
                           item.name, item.role);
        END IF;
    END LOOP;
    FOR item IN
        SELECT s.oid::regclass AS name, who.role
          FROM pg_class s
          JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
                          AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
          JOIN pg_class t ON t.oid = d.refobjid
         CROSS JOIN (VALUES ('chanuka_app'), ('chanuka_system')) AS who(role)
         WHERE s.relnamespace = current_schema()::regnamespace AND s.relkind = 'S'
           AND obj_description(t.oid, 'pg_class') LIKE 'domain: %'
           AND t.relname <> 'audit_log'
           AND NOT has_sequence_privilege(who.role, s.oid, 'USAGE')
    LOOP
        EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', item.name, item.role);
    END LOOP;
    IF to_regclass('schema_migrations') IS NOT NULL
       AND NOT has_table_privilege('chanuka_app', 'schema_migrations', 'SELECT') THEN
        GRANT SELECT ON schema_migrations TO chanuka_app, chanuka_system;
    END IF;

    -- The audit trigger on every domain table but the audit itself.
    FOR item IN
        SELECT c.oid::regclass AS name
          FROM pg_class c
         WHERE c.relnamespace = current_schema()::regnamespace
           AND c.relkind IN ('r', 'p')
           AND obj_description(c.oid, 'pg_class') LIKE 'domain: %'
           AND c.relname <> 'audit_log'
    LOOP
        PERFORM audit_enable(item.name);
    END LOOP;
END
$$;

REVOKE EXECUTE ON FUNCTION secure_schema() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_purge(interval, integer) TO chanuka_system;

SELECT secure_schema();
