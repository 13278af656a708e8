-- Row-level security on personal data (docs/security.md). The unit of work binds the actor for
-- its transaction with SELECT set_config('app.user_id', '<uuid>', true); the policies read
--     nullif(current_setting('app.user_id', true), '')::uuid
-- so an unset actor, and the '' a transaction-local setting leaves behind when it ends, match
-- no row: "no actor" always means "no rows", never "all rows" (a value that is not a uuid is
-- an error). FORCE makes the policies apply to the table owner too; superusers and BYPASSRLS
-- roles skip them, which is why the application must be neither (0017, and Database's
-- start-up check).
--
-- Personal tables, each row owned by one user who alone may read or change it:
--   the issue's list: sessions, refresh_tokens (through their session), password_resets,
--   notifications, user_progress, user_interests, user_social_profiles;
--   and: user_profiles (anyone may read a profile whose is_public is true), user_activity_summary
--   (one user's daily behaviour), bill_engagement (what one user read, shared, commented).
-- users: anyone may read an account (authors' names are public, and login looks a user up
-- before an actor exists) or register one; only the account itself may change or delete it.
-- audit_log: a user reads the trail of their own writes (actor_id); the rest is for jobs.
-- Public data (bills, comments, sponsors, ...) has no policy: readable by all, as before.
--
-- The system path: a policy for chanuka_system (and the owner) lets a transaction that set
-- app.role = 'system' see and change every row. Any session can set app.role, but the policy
-- applies only to members of those roles, never to chanuka_app: SELECT set_config('app.role',
-- 'system', true) by the application grants nothing, and SET ROLE chanuka_system fails for it.
--
-- Before an actor is known, a request holds a session id or a token (or a provider login);
-- the auth_*_owner(s)() functions map one to its user id (nothing else), so that the actor
-- can be bound.

DO $$
DECLARE
    actor CONSTANT text := $a$nullif(current_setting('app.user_id', true), '')::uuid$a$;
    system_mode CONSTANT text := $s$current_setting('app.role', true) = 'system'$s$;
    personal record;
BEGIN
    FOR personal IN
        SELECT table_name, format(owner_rule, actor) AS rule
          FROM (VALUES ('sessions', 'user_id = %s'),
                       ('refresh_tokens',
                        'session_id IN (SELECT id FROM sessions WHERE user_id = %s)'),
                       ('password_resets', 'user_id = %s'),
                       ('notifications', 'user_id = %s'),
                       ('user_progress', 'user_id = %s'),
                       ('user_interests', 'user_id = %s'),
                       ('user_social_profiles', 'user_id = %s'),
                       ('user_profiles', 'user_id = %s'),
                       ('user_activity_summary', 'user_id = %s'),
                       ('bill_engagement', 'user_id = %s')) AS t(table_name, owner_rule)
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', personal.table_name);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', personal.table_name);
        EXECUTE format('CREATE POLICY %I ON %I USING (%s) WITH CHECK (%s)',
                       personal.table_name || '_owner', personal.table_name,
                       personal.rule, personal.rule);
        EXECUTE format('CREATE POLICY %I ON %I TO chanuka_system, chanuka_owner'
                       ' USING (%s) WITH CHECK (%s)',
                       personal.table_name || '_system', personal.table_name,
                       system_mode, system_mode);
    END LOOP;

    EXECUTE 'CREATE POLICY user_profiles_public ON user_profiles FOR SELECT USING (is_public)';

    ALTER TABLE users ENABLE ROW LEVEL SECURITY;
    ALTER TABLE users FORCE ROW LEVEL SECURITY;
    CREATE POLICY users_read ON users FOR SELECT USING (true);
    CREATE POLICY users_register ON users FOR INSERT WITH CHECK (true);
    EXECUTE format('CREATE POLICY users_owner_update ON users FOR UPDATE'
                   ' USING (id = %s) WITH CHECK (id = %s)', actor, actor);
    EXECUTE format('CREATE POLICY users_owner_delete ON users FOR DELETE USING (id = %s)', actor);
    EXECUTE format('CREATE POLICY users_system ON users TO chanuka_system, chanuka_owner'
                   ' USING (%s) WITH CHECK (%s)', system_mode, system_mode);

    -- Not FORCE: the owner's trigger and audit_purge() write it; nobody else may.
    ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
    EXECUTE format('CREATE POLICY audit_log_own_trail ON audit_log FOR SELECT'
                   ' USING (actor_id = %s)', actor);
    EXECUTE format('CREATE POLICY audit_log_system ON audit_log FOR SELECT TO chanuka_system'
                   ' USING (%s)', system_mode);
END
$$;

-- Who owns this session / refresh token / password-reset token / provider login? Whoever
-- holds the secret (or, for a provider login, has just been vouched for by the provider)
-- learns its owner's id and can then act as that user; nothing else is revealed. Each runs
-- as the owner, in system mode for its one query, then puts the caller's app.role back (a
-- function's SET clause would do that too, but only a superuser may attach a custom setting
-- to one).
CREATE FUNCTION auth_owner_lookup(lookup text, VARIADIC secrets text[]) RETURNS uuid[]
    LANGUAGE plpgsql
AS $$
DECLARE
    caller_mode CONSTANT text := coalesce(current_setting('app.role', true), '');
    found uuid[];
BEGIN
    PERFORM set_config('app.role', 'system', true);
    EXECUTE lookup INTO found USING secrets;
    PERFORM set_config('app.role', caller_mode, true);
    RETURN found;
END
$$;

CREATE FUNCTION auth_session_owner(p_session_id text) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
AS $$
    SELECT (auth_owner_lookup('SELECT array_agg(user_id) FROM sessions WHERE id = $1[1]',
                              p_session_id))[1]
$$;

CREATE FUNCTION auth_refresh_token_owner(p_token_hash text) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
AS $$
    SELECT (auth_owner_lookup('SELECT array_agg(s.user_id) FROM refresh_tokens AS r'
                              ' JOIN sessions AS s ON s.id = r.session_id'
                              ' WHERE r.token_hash = $1[1]', p_token_hash))[1]
$$;

CREATE FUNCTION auth_password_reset_owner(p_token_hash text) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
AS $$
    SELECT (auth_owner_lookup('SELECT array_agg(user_id) FROM password_resets'
                              ' WHERE token_hash = $1[1]', p_token_hash))[1]
$$;

-- Every account linked to one provider login (nothing makes the pair unique: the caller
-- refuses to guess between several).
CREATE FUNCTION auth_social_login_owners(p_provider text, p_provider_id text) RETURNS uuid[]
    LANGUAGE sql SECURITY DEFINER
AS $$
    SELECT auth_owner_lookup('SELECT array_agg(DISTINCT user_id) FROM user_social_profiles'
                             ' WHERE provider = $1[1] AND provider_id = $1[2]',
                             p_provider, p_provider_id)
$$;

-- The lookup runs any query it is given: only the functions above (as the owner) call it.
REVOKE EXECUTE ON FUNCTION auth_owner_lookup(text, text[]) FROM PUBLIC;

DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOREACH fn IN ARRAY ARRAY['auth_session_owner(text)', 'auth_refresh_token_owner(text)',
                              'auth_password_reset_owner(text)',
                              'auth_social_login_owners(text, text)']::regprocedure[]
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', fn, current_schema());
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', fn);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO chanuka_app, chanuka_system', fn);
    END LOOP;
END
$$;

-- Hand the new functions to chanuka_owner (they run as their owner).
SELECT secure_schema();
