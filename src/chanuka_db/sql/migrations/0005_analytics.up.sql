-- chanuka:baseline
-- Baseline, analytics domain: The raw event stream, three daily roll-up tables and system
-- health metrics. All five were created by hand-written SQL (migration 0011), so they use
-- timestamptz and PostgreSQL's default constraint names.

-- Raw interaction event; optional links to user, bill, comment, sponsor.
CREATE TABLE analytics_events (
    id             serial PRIMARY KEY,
    event_type     text NOT NULL,
    event_category text NOT NULL,
    user_id        uuid,
    session_id     text,
    bill_id        integer,
    comment_id     integer,
    sponsor_id     integer,
    event_data     jsonb DEFAULT '{}'::jsonb,
    user_agent     text,
    ip_address     inet,
    referrer       text,
    page_url       text,
    created_at     timestamptz DEFAULT now(),
    CONSTRAINT analytics_events_sponsor_id_fkey
        FOREIGN KEY (sponsor_id) REFERENCES sponsors (id) ON DELETE CASCADE,
    CONSTRAINT analytics_events_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT analytics_events_bill_id_fkey
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE,
    CONSTRAINT analytics_events_comment_id_fkey
        FOREIGN KEY (comment_id) REFERENCES bill_comments (id) ON DELETE CASCADE
);
CREATE INDEX idx_analytics_events_bill ON analytics_events (bill_id, created_at DESC);
CREATE INDEX idx_analytics_events_category_date ON analytics_events (event_category, created_at DESC);
CREATE INDEX idx_analytics_events_session ON analytics_events (session_id, created_at DESC);
CREATE INDEX idx_analytics_events_type_date ON analytics_events (event_type, created_at DESC);
CREATE INDEX idx_analytics_events_user_date ON analytics_events (user_id, created_at DESC);

-- Daily roll-up per (date, event_type, event_category).
CREATE TABLE analytics_daily_summary (
    id                   serial PRIMARY KEY,
    date                 date NOT NULL,
    event_type           text NOT NULL,
    event_category       text,
    total_events         integer NOT NULL DEFAULT 0,
    unique_users         integer NOT NULL DEFAULT 0,
    unique_sessions      integer NOT NULL DEFAULT 0,
    bill_interactions    integer DEFAULT 0,
    comment_interactions integer DEFAULT 0,
    search_queries       integer DEFAULT 0,
    created_at           timestamptz DEFAULT now(),
    CONSTRAINT analytics_daily_summary_date_event_type_event_category_key UNIQUE (date, event_type, event_category)
);
CREATE INDEX idx_analytics_daily_category ON analytics_daily_summary (event_category, date DESC);
CREATE INDEX idx_analytics_daily_date_type ON analytics_daily_summary (date DESC, event_type);

-- Daily roll-up per (user, date).
CREATE TABLE user_activity_summary (
    id                       serial PRIMARY KEY,
    user_id                  uuid NOT NULL,
    date                     date NOT NULL,
    bills_viewed             integer DEFAULT 0,
    bills_tracked            integer DEFAULT 0,
    comments_posted          integer DEFAULT 0,
    comments_upvoted         integer DEFAULT 0,
    comments_downvoted       integer DEFAULT 0,
    searches_performed       integer DEFAULT 0,
    session_duration_minutes integer DEFAULT 0,
    engagement_score         numeric(10,2) DEFAULT 0,
    created_at               timestamptz DEFAULT now(),
    updated_at               timestamptz DEFAULT now(),
    CONSTRAINT user_activity_summary_user_id_date_key UNIQUE (user_id, date),
    CONSTRAINT user_activity_summary_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX idx_user_activity_date ON user_activity_summary (date DESC);
CREATE INDEX idx_user_activity_engagement ON user_activity_summary (engagement_score DESC, date DESC);
CREATE INDEX idx_user_activity_user_date ON user_activity_summary (user_id, date DESC);

CREATE FUNCTION update_user_activity_summary_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$;

CREATE TRIGGER user_activity_summary_updated_at
    BEFORE UPDATE ON user_activity_summary
    FOR EACH ROW EXECUTE FUNCTION update_user_activity_summary_updated_at();

-- Daily roll-up per (bill, date).
CREATE TABLE bill_analytics_summary (
    id                 serial PRIMARY KEY,
    bill_id            integer NOT NULL,
    date               date NOT NULL,
    views              integer DEFAULT 0,
    unique_viewers     integer DEFAULT 0,
    comments           integer DEFAULT 0,
    shares             integer DEFAULT 0,
    tracking_users     integer DEFAULT 0,
    engagement_score   numeric(10,2) DEFAULT 0,
    sentiment_positive integer DEFAULT 0,
    sentiment_negative integer DEFAULT 0,
    sentiment_neutral  integer DEFAULT 0,
    created_at         timestamptz DEFAULT now(),
    updated_at         timestamptz DEFAULT now(),
    CONSTRAINT bill_analytics_summary_bill_id_date_key UNIQUE (bill_id, date),
    CONSTRAINT bill_analytics_summary_bill_id_fkey
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE
);
CREATE INDEX idx_bill_analytics_bill_date ON bill_analytics_summary (bill_id, date DESC);
CREATE INDEX idx_bill_analytics_engagement ON bill_analytics_summary (engagement_score DESC, date DESC);
CREATE INDEX idx_bill_analytics_views ON bill_analytics_summary (views DESC, date DESC);

CREATE FUNCTION update_bill_analytics_summary_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$;

CREATE TRIGGER bill_analytics_summary_updated_at
    BEFORE UPDATE ON bill_analytics_summary
    FOR EACH ROW EXECUTE FUNCTION update_bill_analytics_summary_updated_at();

-- Time series of named system metrics.
CREATE TABLE system_health_metrics (
    id              serial PRIMARY KEY,
    metric_name     text NOT NULL,
    metric_value    numeric NOT NULL,
    metric_unit     text,
    metric_category text NOT NULL,
    recorded_at     timestamptz DEFAULT now(),
    metadata        jsonb DEFAULT '{}'::jsonb
);
CREATE INDEX idx_system_health_category_time ON system_health_metrics (metric_category, recorded_at DESC);
CREATE INDEX idx_system_health_name_time ON system_health_metrics (metric_name, recorded_at DESC);
