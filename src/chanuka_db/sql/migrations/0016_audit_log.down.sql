-- Undo 0016_audit_log: the audit triggers on every table, the functions, and the audit rows.

DO $$
DECLARE
    audited regclass;
BEGIN
    FOR audited IN
        SELECT tgrelid::regclass FROM pg_trigger
         WHERE tgname = 'audit_changes' AND tgfoid = 'audit_record_change()'::regprocedure
    LOOP
        EXECUTE format('DROP TRIGGER audit_changes ON %s', audited);
    END LOOP;
END
$$;

DROP FUNCTION audit_enable(regclass);
DROP FUNCTION audit_purge(interval, integer);
DROP FUNCTION audit_record_change();
DROP TABLE audit_log;
