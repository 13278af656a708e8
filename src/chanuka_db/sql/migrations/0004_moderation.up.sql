-- chanuka:baseline
-- Baseline, moderation domain: Reports about content, the review queue, moderator actions and
-- machine scores. Content is addressed polymorphically by (content_type, content_id), so none
-- of these tables has a foreign key to the content itself.

-- Machine scores for a piece of content; one row per (content_type, content_id).
CREATE TABLE content_analysis (
    id                serial PRIMARY KEY,
    content_type      text NOT NULL,
    content_id        integer NOT NULL,
    toxicity_score    numeric(5,4) NOT NULL DEFAULT 0,
    spam_score        numeric(5,4) NOT NULL DEFAULT 0,
    sentiment_score   numeric(5,4) NOT NULL DEFAULT 0.5,
    readability_score numeric(5,4) NOT NULL DEFAULT 0.5,
    flags             text[] DEFAULT '{}'::text[],
    confidence        numeric(5,4) NOT NULL DEFAULT 0.8,
    model_version     text NOT NULL DEFAULT '1.0',
    analyzed_at       timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX content_analysis_content_idx ON content_analysis (content_type, content_id);
CREATE INDEX content_analysis_spam_idx ON content_analysis (spam_score);
CREATE INDEX content_analysis_toxicity_idx ON content_analysis (toxicity_score);

-- An action taken by a moderator on a piece of content.
CREATE TABLE moderation_actions (
    id            serial PRIMARY KEY,
    content_type  text NOT NULL,
    content_id    integer NOT NULL,
    action_type   text NOT NULL,
    reason        text NOT NULL,
    moderator_id  uuid NOT NULL,
    duration      integer,
    is_reversible boolean NOT NULL DEFAULT true,
    reversed_at   timestamp,
    reversed_by   uuid,
    created_at    timestamp NOT NULL DEFAULT now(),
    CONSTRAINT moderation_actions_moderator_id_users_id_fk
        FOREIGN KEY (moderator_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT moderation_actions_reversed_by_users_id_fk
        FOREIGN KEY (reversed_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX moderation_actions_action_type_idx ON moderation_actions (action_type);
CREATE INDEX moderation_actions_content_idx ON moderation_actions (content_type, content_id);
CREATE INDEX moderation_actions_moderator_id_idx ON moderation_actions (moderator_id);

-- A report about content, by a user or auto-detected.
CREATE TABLE moderation_flags (
    id            serial PRIMARY KEY,
    content_type  text NOT NULL,
    content_id    integer NOT NULL,
    flag_type     text NOT NULL,
    reason        text NOT NULL,
    reported_by   uuid NOT NULL,
    status        text NOT NULL DEFAULT 'pending',
    severity      text NOT NULL DEFAULT 'medium',
    auto_detected boolean NOT NULL DEFAULT false,
    reviewed_by   uuid,
    reviewed_at   timestamp,
    resolution    text,
    created_at    timestamp NOT NULL DEFAULT now(),
    updated_at    timestamp NOT NULL DEFAULT now(),
    CONSTRAINT moderation_flags_reported_by_users_id_fk
        FOREIGN KEY (reported_by) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT moderation_flags_reviewed_by_users_id_fk
        FOREIGN KEY (reviewed_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX moderation_flags_content_idx ON moderation_flags (content_type, content_id);
CREATE INDEX moderation_flags_reported_by_idx ON moderation_flags (reported_by);
CREATE INDEX moderation_flags_severity_idx ON moderation_flags (severity);
CREATE INDEX moderation_flags_status_idx ON moderation_flags (status);

-- An item waiting for review; constrained content types, priority 1-5 and status.
CREATE TABLE moderation_queue (
    id              serial PRIMARY KEY,
    content_type    text NOT NULL,
    content_id      integer NOT NULL,
    user_id         uuid,
    flags           jsonb NOT NULL DEFAULT '[]'::jsonb,
    priority        integer NOT NULL DEFAULT 1,
    status          text NOT NULL DEFAULT 'pending',
    auto_flagged    boolean DEFAULT false,
    flag_reasons    text[] DEFAULT '{}'::text[],
    moderator_id    uuid,
    moderator_notes text,
    reviewed_at     timestamptz,
    created_at      timestamptz DEFAULT now(),
    updated_at      timestamptz DEFAULT now(),
    CONSTRAINT moderation_queue_content_type_check CHECK (content_type IN ('bill_comment', 'bill', 'user_profile', 'sponsor_transparency')),
    CONSTRAINT moderation_queue_priority_check CHECK (priority BETWEEN 1 AND 5),
    CONSTRAINT moderation_queue_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'escalated')),
    CONSTRAINT moderation_queue_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT moderation_queue_moderator_id_fkey
        FOREIGN KEY (moderator_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX idx_moderation_queue_auto_flagged ON moderation_queue (auto_flagged, created_at DESC);
CREATE INDEX idx_moderation_queue_content ON moderation_queue (content_type, content_id);
CREATE INDEX idx_moderation_queue_moderator ON moderation_queue (moderator_id);
CREATE INDEX idx_moderation_queue_status_priority ON moderation_queue (status, priority DESC, created_at);
CREATE INDEX idx_moderation_queue_user ON moderation_queue (user_id);

CREATE FUNCTION update_moderation_queue_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$;

CREATE TRIGGER moderation_queue_updated_at
    BEFORE UPDATE ON moderation_queue
    FOR EACH ROW EXECUTE FUNCTION update_moderation_queue_updated_at();

-- A user report with constrained content types, categories and statuses.
CREATE TABLE content_flags (
    id              serial PRIMARY KEY,
    content_type    text NOT NULL,
    content_id      integer NOT NULL,
    flagger_user_id uuid NOT NULL,
    flag_reason     text NOT NULL,
    flag_category   text NOT NULL,
    description     text,
    status          text NOT NULL DEFAULT 'pending',
    reviewed_by     uuid,
    reviewed_at     timestamptz,
    created_at      timestamptz DEFAULT now(),
    CONSTRAINT content_flags_content_type_check CHECK (content_type IN ('bill_comment', 'bill', 'user_profile')),
    CONSTRAINT content_flags_flag_category_check CHECK (flag_category IN ('spam', 'harassment', 'misinformation', 'inappropriate', 'copyright', 'other')),
    CONSTRAINT content_flags_status_check CHECK (status IN ('pending', 'reviewed', 'dismissed', 'escalated')),
    CONSTRAINT content_flags_flagger_user_id_fkey
        FOREIGN KEY (flagger_user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT content_flags_reviewed_by_fkey
        FOREIGN KEY (reviewed_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX idx_content_flags_category ON content_flags (flag_category, created_at DESC);
CREATE INDEX idx_content_flags_content ON content_flags (content_type, content_id);
CREATE INDEX idx_content_flags_flagger ON content_flags (flagger_user_id);
CREATE INDEX idx_content_flags_status ON content_flags (status, created_at DESC);
