-- Audit of every write: each INSERT, UPDATE and DELETE on a domain table writes one row to
-- audit_log, in the same transaction (a rolled-back write leaves no audit; a committed one
-- always has one). A trigger, not the application, so that every write path is covered:
-- repositories, raw SQL, cascades of foreign keys, jobs, psql.
--
-- What a row records: the table, the primary key, the operation, the actor bound by the unit
-- of work (app.user_id; NULL when none), the database login and app.role, the time, the
-- transaction id, and the columns written: every column for INSERT (new_values) and DELETE
-- (old_values), only the changed ones with both values for UPDATE. Secret columns (password
-- and token hashes, OAuth tokens: by name, or a column comment containing the word
-- "secret") are stored as "[redacted]", so the audit never holds them; tsvector columns are
-- derived data and left out. Both lists are computed once per table by audit_enable() and
-- passed to the trigger as arguments (docs/schema.md shows them); a test fails when they are
-- stale, e.g. after a column was added: run SELECT audit_enable('table') again.
--
-- The trigger function is SECURITY DEFINER (owned by the schema owner from 0017 on): the
-- application role has no privilege on audit_log but SELECT, so it can neither forge, change
-- nor delete audit rows. audit_purge() deletes rows older than a retention period.
-- Existing rows are not back-filled: the audit starts with this migration.

CREATE TABLE audit_log (
    id              bigserial   PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    transaction_id  bigint      NOT NULL DEFAULT txid_current(),
    table_name      text        NOT NULL,
    record_id       text        NOT NULL,
    operation       text        NOT NULL,
    actor_id        uuid,
    db_role         text        NOT NULL DEFAULT session_user,
    app_role        text,
    changed_columns text[]      NOT NULL DEFAULT '{}',
    old_values      jsonb,
    new_values      jsonb,
    CONSTRAINT audit_log_operation_check
        CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'PURGE'))
);

COMMENT ON TABLE audit_log IS 'domain: infrastructure. One row per INSERT/UPDATE/DELETE on a domain table, written by a trigger in the same transaction: table, primary key, operation, actor, changed columns with old/new values (secrets redacted), transaction id, time.';

-- uow.audit.for_record(table, id): the history of one row, oldest first.
CREATE INDEX audit_log_record_idx ON audit_log (table_name, record_id, id);
-- uow.audit.for_actor(user, range): what one user wrote, by time.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at) WHERE actor_id IS NOT NULL;
-- Retention: rows are appended in time order, so a BRIN index finds old ones for a fraction of
-- a B-tree's size and write cost.
CREATE INDEX audit_log_occurred_at_idx ON audit_log USING brin (occurred_at);

-- The trigger. Arguments: primary-key column, secret columns (text[]), ignored columns (text[]).
CREATE FUNCTION audit_record_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
AS $$
DECLARE
    secret_columns CONSTANT text[] := TG_ARGV[1]::text[];
    actor CONSTANT uuid := nullif(current_setting('app.user_id', true), '')::uuid;
    job_role CONSTANT text := nullif(current_setting('app.role', true), '');
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_row := to_jsonb(OLD) - TG_ARGV[2]::text[];
        new_row := to_jsonb(NEW) - TG_ARGV[2]::text[];
        INSERT INTO audit_log (table_name, record_id, operation, actor_id, app_role,
                               changed_columns, old_values, new_values)
        SELECT TG_TABLE_NAME, new_row ->> TG_ARGV[0], TG_OP, actor, job_role,
               coalesce(array_agg(c.key ORDER BY c.key), '{}'),
               coalesce(jsonb_object_agg(c.key, CASE WHEN c.key = ANY (secret_columns)
                                                     THEN '"[redacted]"'::jsonb
                                                     ELSE old_row -> c.key END), '{}'),
               coalesce(jsonb_object_agg(c.key, CASE WHEN c.key = ANY (secret_columns)
                                                     THEN '"[redacted]"'::jsonb
                                                     ELSE c.value END), '{}')
          FROM jsonb_each(new_row) AS c
         WHERE c.value IS DISTINCT FROM old_row -> c.key;
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        new_row := to_jsonb(NEW) - TG_ARGV[2]::text[];
    ELSE
        old_row := to_jsonb(OLD) - TG_ARGV[2]::text[];
    END IF;
    IF secret_columns <> '{}' THEN
        -- Every secret column is a column of the table, so it is a key of the row.
        old_row := old_row || (SELECT jsonb_object_agg(s, '"[redacted]"'::jsonb)
                                 FROM unnest(secret_columns) AS s);
        new_row := new_row || (SELECT jsonb_object_agg(s, '"[redacted]"'::jsonb)
                                 FROM unnest(secret_columns) AS s);
    END IF;
    INSERT INTO audit_log (table_name, record_id, operation, actor_id, app_role,
                           changed_columns, old_values, new_values)
    VALUES (TG_TABLE_NAME, coalesce(new_row, old_row) ->> TG_ARGV[0], TG_OP, actor, job_role,
            ARRAY(SELECT k FROM jsonb_object_keys(coalesce(new_row, old_row)) AS k ORDER BY k),
            old_row, new_row);
    RETURN NULL;
END
$$;

-- Attach (or refresh) the audit trigger of one table, with its key, secret and ignored columns.
CREATE FUNCTION audit_enable(target regclass) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    key_columns text[];
    secret_columns text[];
    ignored_columns text[];
BEGIN
    SELECT array_agg(a.attname::text)
      INTO key_columns
      FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = target AND i.indisprimary;
    IF cardinality(key_columns) IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION 'cannot audit %: it needs a single-column primary key', target
            USING ERRCODE = 'invalid_table_definition';
    END IF;
    SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (
               WHERE a.attname ~* '(password|passwd|secret|token|api_?key|private_?key|credential|salt)'
                  OR col_description(a.attrelid, a.attnum) ~* '\msecret\M'), '{}'),
           coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (
               WHERE a.atttypid = 'tsvector'::regtype), '{}')
      INTO secret_columns, ignored_columns
      FROM pg_attribute a
     WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped;
    -- Already right (function, AFTER ROW INSERT/DELETE/UPDATE = 29, enabled, same arguments):
    -- leave it, and take no lock on the table.
    IF EXISTS (SELECT FROM pg_trigger t
                WHERE t.tgrelid = target AND t.tgname = 'audit_changes'
                  AND t.tgfoid = 'audit_record_change()'::regprocedure
                  AND t.tgtype = 29 AND t.tgenabled = 'O'
                  AND t.tgargs = convert_to(key_columns[1], 'UTF8') || '\x00'::bytea
                                 || convert_to(secret_columns::text, 'UTF8') || '\x00'::bytea
                                 || convert_to(ignored_columns::text, 'UTF8') || '\x00'::bytea)
    THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT FROM pg_trigger WHERE tgrelid = target AND tgname = 'audit_changes') THEN
        EXECUTE format('DROP TRIGGER audit_changes ON %s', target);
    END IF;
    EXECUTE format(
        'CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON %s'
        ' FOR EACH ROW EXECUTE FUNCTION audit_record_change(%L, %L, %L)',
        target, key_columns[1], secret_columns, ignored_columns);
END
$$;

-- Retention: delete audit rows older than older_than (at least a day), at most batch_size per
-- call (call it until it returns 0); a purge that deleted rows leaves a PURGE row behind.
CREATE FUNCTION audit_purge(older_than interval, batch_size integer DEFAULT 10000) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
AS $$
DECLARE
    cutoff timestamptz;
    purged bigint;
BEGIN
    IF older_than IS NULL OR older_than < interval '1 day' THEN
        RAISE EXCEPTION 'audit_purge keeps at least one day of audit: older_than is %', older_than
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'audit_purge: batch_size must be 1 or more, not %', batch_size
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    cutoff := now() - older_than;
    DELETE FROM audit_log
     WHERE id IN (SELECT id FROM audit_log WHERE occurred_at < cutoff ORDER BY id LIMIT batch_size);
    GET DIAGNOSTICS purged = ROW_COUNT;
    IF purged > 0 THEN
        INSERT INTO audit_log (table_name, record_id, operation, actor_id, app_role, new_values)
        VALUES ('audit_log', 'purge', 'PURGE',
                nullif(current_setting('app.user_id', true), '')::uuid,
                nullif(current_setting('app.role', true), ''),
                jsonb_build_object('purged_rows', purged, 'older_than', cutoff));
    END IF;
    RETURN purged;
END
$$;

-- SECURITY DEFINER functions resolve names in this schema, pg_temp last: a session cannot
-- point them at tables of its own (a temporary audit_log would swallow the audit).
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION audit_record_change() SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION audit_purge(interval, integer) SET search_path = %I, pg_temp',
                   current_schema());
END
$$;

REVOKE EXECUTE ON FUNCTION audit_enable(regclass) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_purge(interval, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_record_change() FROM PUBLIC;

-- Every domain table (those with a 'domain: ...' comment) but the audit itself.
SELECT audit_enable(c.oid::regclass)
  FROM pg_class c
 WHERE c.relnamespace = current_schema()::regnamespace
   AND c.relkind IN ('r', 'p')
   AND obj_description(c.oid, 'pg_class') LIKE 'domain: %'
   AND c.relname <> 'audit_log';
