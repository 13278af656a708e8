-- chanuka:baseline
-- Baseline, users domain: Accounts and everything that belongs to exactly one account: profile,
-- interests, achievements, linked social logins, sessions, refresh tokens, password-reset
-- tokens.

-- Platform account. role defaults to 'citizen'; verification_status to 'pending'.
CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL,
    password_hash       text NOT NULL,
    first_name          text,
    last_name           text,
    name                text NOT NULL,
    role                text NOT NULL DEFAULT 'citizen',
    verification_status text NOT NULL DEFAULT 'pending',
    preferences         jsonb DEFAULT '{}'::jsonb,
    is_active           boolean NOT NULL DEFAULT true,
    last_login_at       timestamp,
    created_at          timestamp NOT NULL DEFAULT now(),
    updated_at          timestamp NOT NULL DEFAULT now(),
    CONSTRAINT users_email_unique UNIQUE (email)
);
CREATE INDEX idx_users_email_active ON users (email) WHERE is_active = true;
CREATE INDEX idx_users_verification_status ON users (verification_status);
CREATE INDEX users_active_verified_idx ON users (is_active, verification_status);
CREATE UNIQUE INDEX users_email_idx ON users (email);
CREATE INDEX users_role_idx ON users (role);
CREATE INDEX users_verification_status_idx ON users (verification_status);

-- One-time password-reset token (stored hashed) for a user.
CREATE TABLE password_resets (
    id         serial PRIMARY KEY,
    user_id    uuid NOT NULL,
    token_hash text NOT NULL,
    expires_at timestamp NOT NULL,
    is_used    boolean NOT NULL DEFAULT false,
    created_at timestamp NOT NULL DEFAULT now(),
    CONSTRAINT password_resets_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX password_resets_expires_at_idx ON password_resets (expires_at);
CREATE UNIQUE INDEX password_resets_token_hash_idx ON password_resets (token_hash);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);

-- Login session; the id is an application-generated string.
CREATE TABLE sessions (
    id         text PRIMARY KEY,
    user_id    uuid NOT NULL,
    expires_at timestamp NOT NULL,
    is_active  boolean NOT NULL DEFAULT true,
    ip_address text,
    user_agent text,
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now(),
    token      text,
    CONSTRAINT sessions_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);
CREATE INDEX idx_sessions_user_active ON sessions (user_id, is_active);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX sessions_is_active_idx ON sessions (is_active);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Hashed refresh token issued for a session.
CREATE TABLE refresh_tokens (
    id         serial PRIMARY KEY,
    session_id text NOT NULL,
    token_hash text NOT NULL,
    expires_at timestamp NOT NULL,
    is_revoked boolean NOT NULL DEFAULT false,
    created_at timestamp NOT NULL DEFAULT now(),
    CONSTRAINT refresh_tokens_session_id_sessions_id_fk
        FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);
CREATE UNIQUE INDEX refresh_tokens_token_hash_idx ON refresh_tokens (token_hash);

-- A topic a user follows; at most one row per (user, interest).
CREATE TABLE user_interests (
    id         serial PRIMARY KEY,
    user_id    uuid NOT NULL,
    interest   text NOT NULL,
    created_at timestamp NOT NULL DEFAULT now(),
    CONSTRAINT user_interests_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX idx_user_interests_user_interest ON user_interests (user_id, interest);
CREATE INDEX user_interests_interest_idx ON user_interests (interest);
CREATE UNIQUE INDEX user_interests_user_interest_idx ON user_interests (user_id, interest);

-- Public profile and reputation; one per user (unique user_id).
CREATE TABLE user_profiles (
    id                     serial PRIMARY KEY,
    user_id                uuid NOT NULL,
    bio                    text,
    expertise              text[] DEFAULT '{}'::text[],
    location               text,
    organization           text,
    verification_documents jsonb DEFAULT '[]'::jsonb,
    reputation_score       integer NOT NULL DEFAULT 0,
    is_public              boolean NOT NULL DEFAULT true,
    created_at             timestamp NOT NULL DEFAULT now(),
    updated_at             timestamp NOT NULL DEFAULT now(),
    CONSTRAINT reputation_score_check CHECK (reputation_score >= 0),
    CONSTRAINT user_profiles_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX idx_user_profiles_reputation ON user_profiles (reputation_score DESC);
CREATE INDEX user_profiles_reputation_idx ON user_profiles (reputation_score);
CREATE UNIQUE INDEX user_profiles_user_id_idx ON user_profiles (user_id);

-- Gamification: one achievement row per (user, achievement_type).
CREATE TABLE user_progress (
    id                serial PRIMARY KEY,
    user_id           uuid NOT NULL,
    achievement_type  text NOT NULL,
    achievement_value integer NOT NULL DEFAULT 0,
    level             integer DEFAULT 1,
    badge             text,
    description       text,
    unlocked_at       timestamp NOT NULL DEFAULT now(),
    created_at        timestamp NOT NULL DEFAULT now(),
    updated_at        timestamp NOT NULL DEFAULT now(),
    CONSTRAINT user_progress_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX user_progress_achievement_type_idx ON user_progress (achievement_type);
CREATE UNIQUE INDEX user_progress_user_achievement_idx ON user_progress (user_id, achievement_type);
CREATE INDEX user_progress_user_id_idx ON user_progress (user_id);

-- A linked external login; one per (user, provider).
CREATE TABLE user_social_profiles (
    id            serial PRIMARY KEY,
    user_id       uuid NOT NULL,
    provider      text NOT NULL,
    provider_id   text NOT NULL,
    username      text,
    display_name  text,
    avatar_url    text,
    access_token  text,
    refresh_token text,
    created_at    timestamp NOT NULL DEFAULT now(),
    updated_at    timestamp NOT NULL DEFAULT now(),
    CONSTRAINT user_social_profiles_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX user_social_profiles_provider_id_idx ON user_social_profiles (provider_id);
CREATE UNIQUE INDEX user_social_profiles_user_provider_idx ON user_social_profiles (user_id, provider);
