-- chanuka:baseline
-- Baseline, legislative domain: Bills and everything hanging directly off a bill: comments and
-- votes on them, tags, sponsorship links, verification by citizens and experts, automated
-- analysis, section conflicts, engagement and social shares.

-- A bill. Carries denormalised counters (views, shares, comments, engagement) and the full-text
-- search_vector.
CREATE TABLE bills (
    id                      serial PRIMARY KEY,
    title                   text NOT NULL,
    description             text,
    content                 text,
    summary                 text,
    status                  text NOT NULL DEFAULT 'introduced',
    bill_number             text,
    sponsor_id              integer,
    category                text,
    tags                    text[] DEFAULT '{}'::text[],
    view_count              integer NOT NULL DEFAULT 0,
    share_count             integer NOT NULL DEFAULT 0,
    comment_count           integer NOT NULL DEFAULT 0,
    engagement_score        numeric(10,2) NOT NULL DEFAULT 0,
    complexity_score        integer,
    constitutional_concerns jsonb DEFAULT '[]'::jsonb,
    stakeholder_analysis    jsonb DEFAULT '{}'::jsonb,
    introduced_date         timestamp,
    last_action_date        timestamp,
    created_at              timestamp NOT NULL DEFAULT now(),
    updated_at              timestamp NOT NULL DEFAULT now(),
    search_vector           tsvector,
    CONSTRAINT bills_sponsor_id_sponsors_id_fk
        FOREIGN KEY (sponsor_id) REFERENCES sponsors (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX bills_bill_number_idx ON bills (bill_number);
CREATE INDEX bills_category_idx ON bills (category);
CREATE INDEX bills_engagement_score_idx ON bills (engagement_score);
CREATE INDEX bills_introduced_date_idx ON bills (introduced_date);
CREATE INDEX bills_sponsor_id_idx ON bills (sponsor_id);
CREATE INDEX bills_status_idx ON bills (status);
CREATE INDEX idx_bills_category_date ON bills (category, created_at DESC);
CREATE INDEX idx_bills_search_vector ON bills USING gin (search_vector);
CREATE INDEX idx_bills_sponsor_status ON bills (sponsor_id, status);
CREATE INDEX idx_bills_status_category_date ON bills (status, category, created_at DESC);
CREATE INDEX idx_bills_status_date ON bills (status, last_action_date DESC);
CREATE INDEX idx_bills_view_count ON bills (view_count DESC);

-- Full-text search (spec section 5): search_vector is a plain column kept current by a row
-- trigger, config 'english', weights title A, summary B, description C, content D; NULL text
-- counts as empty.
CREATE FUNCTION update_bills_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C')
        || setweight(to_tsvector('english', coalesce(NEW.content, '')), 'D');
    RETURN NEW;
END;
$$;

CREATE TRIGGER bills_search_vector_update
    BEFORE INSERT OR UPDATE ON bills
    FOR EACH ROW EXECUTE FUNCTION update_bills_search_vector();

-- Per-(bill, user) engagement counters; one row per pair.
CREATE TABLE bill_engagement (
    id               serial PRIMARY KEY,
    bill_id          integer NOT NULL,
    user_id          uuid NOT NULL,
    view_count       integer NOT NULL DEFAULT 0,
    comment_count    integer NOT NULL DEFAULT 0,
    share_count      integer NOT NULL DEFAULT 0,
    engagement_score numeric(10,2) NOT NULL DEFAULT 0,
    last_engaged     timestamp NOT NULL DEFAULT now(),
    created_at       timestamp NOT NULL DEFAULT now(),
    updated_at       timestamp NOT NULL DEFAULT now(),
    CONSTRAINT bill_engagement_bill_id_bills_id_fk
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE,
    CONSTRAINT bill_engagement_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX bill_engagement_bill_user_idx ON bill_engagement (bill_id, user_id);
CREATE INDEX bill_engagement_last_engaged_idx ON bill_engagement (last_engaged);
CREATE INDEX bill_engagement_score_idx ON bill_engagement (engagement_score);
CREATE INDEX bill_engagement_user_id_idx ON bill_engagement (user_id);
CREATE INDEX idx_bill_engagement_bill_score ON bill_engagement (bill_id, engagement_score DESC);
CREATE INDEX idx_bill_engagement_last_engaged ON bill_engagement (last_engaged DESC);
CREATE INDEX idx_bill_engagement_user_score ON bill_engagement (user_id, engagement_score DESC);

-- Threaded comment on a bill (self-reference via parent_comment_id), with denormalised vote
-- tallies and a soft-delete flag.
CREATE TABLE bill_comments (
    id                serial PRIMARY KEY,
    bill_id           integer NOT NULL,
    user_id           uuid NOT NULL,
    content           text NOT NULL,
    comment_type      text NOT NULL DEFAULT 'general',
    is_verified       boolean NOT NULL DEFAULT false,
    parent_comment_id integer,
    upvotes           integer NOT NULL DEFAULT 0,
    downvotes         integer NOT NULL DEFAULT 0,
    is_deleted        boolean NOT NULL DEFAULT false,
    created_at        timestamp NOT NULL DEFAULT now(),
    updated_at        timestamp NOT NULL DEFAULT now(),
    CONSTRAINT bill_comments_bill_id_bills_id_fk
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE,
    CONSTRAINT bill_comments_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT bill_comments_parent_comment_id_bill_comments_id_fk
        FOREIGN KEY (parent_comment_id) REFERENCES bill_comments (id) ON DELETE CASCADE
);
CREATE INDEX bill_comments_bill_id_idx ON bill_comments (bill_id);
CREATE INDEX bill_comments_created_at_idx ON bill_comments (created_at);
CREATE INDEX bill_comments_parent_comment_id_idx ON bill_comments (parent_comment_id);
CREATE INDEX bill_comments_user_id_idx ON bill_comments (user_id);
CREATE INDEX idx_bill_comments_bill_created ON bill_comments (bill_id, created_at DESC);
CREATE INDEX idx_bill_comments_bill_parent_created ON bill_comments (bill_id, parent_comment_id, created_at DESC);
CREATE INDEX idx_bill_comments_parent ON bill_comments (parent_comment_id) WHERE parent_comment_id IS NOT NULL;
CREATE INDEX idx_bill_comments_user_created ON bill_comments (user_id, created_at DESC);
CREATE INDEX idx_bill_comments_votes ON bill_comments (upvotes DESC, downvotes);

-- Normalised tag of a bill; one row per (bill, tag). Duplicates bills.tags.
CREATE TABLE bill_tags (
    id         serial PRIMARY KEY,
    bill_id    integer NOT NULL,
    tag        text NOT NULL,
    created_at timestamp NOT NULL DEFAULT now(),
    CONSTRAINT bill_tags_bill_id_bills_id_fk
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX bill_tags_bill_tag_idx ON bill_tags (bill_id, tag);
CREATE INDEX bill_tags_tag_idx ON bill_tags (tag);

-- A citizen's verification of a bill; string id supplied by the application.
CREATE TABLE citizen_verifications (
    id                  varchar(255) PRIMARY KEY,
    bill_id             integer NOT NULL,
    citizen_id          uuid NOT NULL,
    verification_type   varchar(50) NOT NULL,
    verification_status varchar(50) NOT NULL DEFAULT 'pending',
    confidence          integer NOT NULL DEFAULT 0,
    evidence            jsonb NOT NULL DEFAULT '[]'::jsonb,
    expertise           jsonb NOT NULL DEFAULT '{}'::jsonb,
    reasoning           text NOT NULL,
    endorsements        integer NOT NULL DEFAULT 0,
    disputes            integer NOT NULL DEFAULT 0,
    created_at          timestamp NOT NULL DEFAULT now(),
    updated_at          timestamp NOT NULL DEFAULT now(),
    CONSTRAINT citizen_verifications_bill_id_bills_id_fk
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE,
    CONSTRAINT citizen_verifications_citizen_id_users_id_fk
        FOREIGN KEY (citizen_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX citizen_verifications_bill_citizen_idx ON citizen_verifications (bill_id, citizen_id, verification_type);
CREATE INDEX citizen_verifications_bill_id_idx ON citizen_verifications (bill_id);
CREATE INDEX citizen_verifications_citizen_id_idx ON citizen_verifications (citizen_id);
CREATE INDEX citizen_verifications_status_idx ON citizen_verifications (verification_status);

-- A detected problem in one section of a bill.
CREATE TABLE bill_section_conflicts (
    id             serial PRIMARY KEY,
    bill_id        integer NOT NULL,
    section_number text NOT NULL,
    conflict_type  text NOT NULL,
    severity       text NOT NULL,
    description    text NOT NULL,
    recommendation text,
    is_resolved    boolean NOT NULL DEFAULT false,
    created_at     timestamp NOT NULL DEFAULT now(),
    updated_at     timestamp NOT NULL DEFAULT now(),
    CONSTRAINT bill_section_conflicts_bill_id_bills_id_fk
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE
);
CREATE INDEX bill_section_conflicts_bill_id_idx ON bill_section_conflicts (bill_id);
CREATE INDEX bill_section_conflicts_is_resolved_idx ON bill_section_conflicts (is_resolved);
CREATE INDEX bill_section_conflicts_severity_idx ON bill_section_conflicts (severity);

-- One vote per (comment, user). vote_type is free text.
CREATE TABLE comment_votes (
    id         serial PRIMARY KEY,
    comment_id integer NOT NULL,
    user_id    uuid NOT NULL,
    vote_type  text NOT NULL,
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now(),
    CONSTRAINT comment_votes_comment_id_bill_comments_id_fk
        FOREIGN KEY (comment_id) REFERENCES bill_comments (id) ON DELETE CASCADE,
    CONSTRAINT comment_votes_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX comment_votes_comment_user_idx ON comment_votes (comment_id, user_id);
CREATE INDEX comment_votes_user_id_idx ON comment_votes (user_id);

-- Many-to-many link bill to sponsor with a sponsorship type.
CREATE TABLE bill_sponsorships (
    id               serial PRIMARY KEY,
    bill_id          integer NOT NULL,
    sponsor_id       integer NOT NULL,
    sponsorship_type text NOT NULL,
    sponsorship_date timestamp NOT NULL DEFAULT now(),
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamp NOT NULL DEFAULT now(),
    CONSTRAINT bill_sponsorships_bill_id_bills_id_fk
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE,
    CONSTRAINT bill_sponsorships_sponsor_id_sponsors_id_fk
        FOREIGN KEY (sponsor_id) REFERENCES sponsors (id) ON DELETE CASCADE
);
CREATE INDEX bill_sponsorships_bill_id_idx ON bill_sponsorships (bill_id);
CREATE UNIQUE INDEX bill_sponsorships_bill_sponsor_idx ON bill_sponsorships (bill_id, sponsor_id);
CREATE INDEX bill_sponsorships_is_active_idx ON bill_sponsorships (is_active);
CREATE INDEX bill_sponsorships_sponsor_id_idx ON bill_sponsorships (sponsor_id);
CREATE INDEX idx_bill_sponsorships_bill_type ON bill_sponsorships (bill_id, sponsorship_type);
CREATE INDEX idx_bill_sponsorships_sponsor_active ON bill_sponsorships (sponsor_id, is_active);

-- An expert's review of a bill; one per (bill, expert).
CREATE TABLE expert_verifications (
    id                  serial PRIMARY KEY,
    bill_id             integer NOT NULL,
    expert_id           uuid NOT NULL,
    verification_status text NOT NULL,
    confidence          numeric(5,4) DEFAULT 0,
    feedback            text,
    created_at          timestamp NOT NULL DEFAULT now(),
    updated_at          timestamp NOT NULL DEFAULT now(),
    CONSTRAINT expert_verifications_bill_id_bills_id_fk
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE,
    CONSTRAINT expert_verifications_expert_id_users_id_fk
        FOREIGN KEY (expert_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX expert_verifications_bill_expert_idx ON expert_verifications (bill_id, expert_id);
CREATE INDEX expert_verifications_expert_id_idx ON expert_verifications (expert_id);
CREATE INDEX expert_verifications_status_idx ON expert_verifications (verification_status);

-- A share of a bill to an external platform, with engagement numbers.
CREATE TABLE social_shares (
    id         serial PRIMARY KEY,
    bill_id    integer NOT NULL,
    platform   text NOT NULL,
    user_id    uuid NOT NULL,
    metadata   jsonb DEFAULT '{}'::jsonb,
    share_date timestamp NOT NULL DEFAULT now(),
    likes      integer NOT NULL DEFAULT 0,
    shares     integer NOT NULL DEFAULT 0,
    comments   integer NOT NULL DEFAULT 0,
    created_at timestamp NOT NULL DEFAULT now(),
    CONSTRAINT social_shares_bill_id_bills_id_fk
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE,
    CONSTRAINT social_shares_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX social_shares_bill_id_idx ON social_shares (bill_id);
CREATE INDEX social_shares_platform_idx ON social_shares (platform);
CREATE INDEX social_shares_share_date_idx ON social_shares (share_date);
CREATE INDEX social_shares_user_id_idx ON social_shares (user_id);

-- A typed analysis result for a bill; one per (bill, analysis_type).
CREATE TABLE analysis (
    id            serial PRIMARY KEY,
    bill_id       integer NOT NULL,
    analysis_type text NOT NULL,
    results       jsonb DEFAULT '{}'::jsonb,
    confidence    numeric(5,4) DEFAULT 0,
    model_version text,
    is_approved   boolean NOT NULL DEFAULT false,
    approved_by   uuid,
    created_at    timestamp NOT NULL DEFAULT now(),
    updated_at    timestamp NOT NULL DEFAULT now(),
    CONSTRAINT analysis_bill_id_bills_id_fk
        FOREIGN KEY (bill_id) REFERENCES bills (id) ON DELETE CASCADE,
    CONSTRAINT analysis_approved_by_users_id_fk
        FOREIGN KEY (approved_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX analysis_bill_type_idx ON analysis (bill_id, analysis_type);
CREATE INDEX analysis_is_approved_idx ON analysis (is_approved);
CREATE INDEX analysis_type_idx ON analysis (analysis_type);
