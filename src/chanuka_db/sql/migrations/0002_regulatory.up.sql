-- chanuka:baseline
-- Baseline, regulatory domain: Sponsors (the legislators behind bills) with their affiliations
-- and disclosures, regulations with their impact and change history, and stakeholders.

-- A legislator/sponsor with transparency and conflict metrics.
CREATE TABLE sponsors (
    id                 serial PRIMARY KEY,
    name               text NOT NULL,
    role               text NOT NULL,
    party              text,
    constituency       text,
    email              text,
    phone              text,
    bio                text,
    photo_url          text,
    conflict_level     text,
    financial_exposure numeric(12,2) DEFAULT 0,
    voting_alignment   numeric(5,2) DEFAULT 0,
    transparency_score numeric(5,2) DEFAULT 0,
    is_active          boolean NOT NULL DEFAULT true,
    created_at         timestamp NOT NULL DEFAULT now(),
    updated_at         timestamp NOT NULL DEFAULT now()
);
CREATE INDEX idx_sponsors_conflict_level ON sponsors (conflict_level);
CREATE INDEX idx_sponsors_transparency_score ON sponsors (transparency_score DESC);
CREATE INDEX sponsor_name_idx ON sponsors (name);
CREATE INDEX sponsor_party_idx ON sponsors (party);
CREATE INDEX sponsors_is_active_idx ON sponsors (is_active);
CREATE UNIQUE INDEX sponsors_name_email_idx ON sponsors (name, email);
CREATE INDEX sponsors_name_idx ON sponsors (name);
CREATE INDEX sponsors_party_idx ON sponsors (party);

-- A regulation; uses a uuid id, unlike its sibling tables.
CREATE TABLE regulations (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title                 text NOT NULL,
    description           text,
    content               text,
    status                text NOT NULL DEFAULT 'proposed',
    source                text,
    sector                text,
    tags                  text[] DEFAULT '{}'::text[],
    sponsor_id            integer,
    effective_date        timestamp,
    compliance_deadline   timestamp,
    affected_stakeholders integer DEFAULT 0,
    estimated_impact      numeric(10,2) DEFAULT 0,
    metadata              jsonb DEFAULT '{}'::jsonb,
    created_at            timestamp NOT NULL DEFAULT now(),
    updated_at            timestamp NOT NULL DEFAULT now(),
    CONSTRAINT regulations_sponsor_id_sponsors_id_fk
        FOREIGN KEY (sponsor_id) REFERENCES sponsors (id) ON DELETE SET NULL
);
CREATE INDEX regulations_effective_date_idx ON regulations (effective_date);
CREATE INDEX regulations_sector_idx ON regulations (sector);
CREATE INDEX regulations_status_idx ON regulations (status);

-- Sector impact assessment of a regulation.
CREATE TABLE regulatory_impact (
    id                serial PRIMARY KEY,
    regulation_id     uuid NOT NULL,
    sector            text,
    impact_level      text,
    affected_entities jsonb DEFAULT '[]'::jsonb,
    mitigation        jsonb DEFAULT '{}'::jsonb,
    impact_score      numeric(5,2) DEFAULT 0,
    created_at        timestamp NOT NULL DEFAULT now(),
    updated_at        timestamp NOT NULL DEFAULT now(),
    CONSTRAINT regulatory_impact_regulation_id_regulations_id_fk
        FOREIGN KEY (regulation_id) REFERENCES regulations (id) ON DELETE CASCADE
);
CREATE INDEX regulatory_impact_impact_level_idx ON regulatory_impact (impact_level);
CREATE INDEX regulatory_impact_regulation_id_idx ON regulatory_impact (regulation_id);
CREATE INDEX regulatory_impact_sector_idx ON regulatory_impact (sector);

-- An organisation a sponsor is (or was) affiliated with.
CREATE TABLE sponsor_affiliations (
    id            serial PRIMARY KEY,
    sponsor_id    integer NOT NULL,
    organization  text NOT NULL,
    role          text,
    type          text NOT NULL,
    conflict_type text,
    start_date    timestamp,
    end_date      timestamp,
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamp NOT NULL DEFAULT now(),
    updated_at    timestamp NOT NULL DEFAULT now(),
    CONSTRAINT sponsor_affiliations_sponsor_id_sponsors_id_fk
        FOREIGN KEY (sponsor_id) REFERENCES sponsors (id) ON DELETE CASCADE
);
CREATE INDEX idx_sponsor_affiliations_active ON sponsor_affiliations (sponsor_id, is_active);
CREATE INDEX sponsor_affiliations_is_active_idx ON sponsor_affiliations (is_active);
CREATE INDEX sponsor_affiliations_organization_idx ON sponsor_affiliations (organization);
CREATE INDEX sponsor_affiliations_sponsor_id_idx ON sponsor_affiliations (sponsor_id);

-- A disclosure (financial or other) filed for a sponsor.
CREATE TABLE sponsor_transparency (
    id              serial PRIMARY KEY,
    sponsor_id      integer NOT NULL,
    disclosure_type text NOT NULL,
    description     text NOT NULL,
    amount          numeric(12,2),
    source          text,
    date_reported   timestamp,
    is_verified     boolean NOT NULL DEFAULT false,
    created_at      timestamp NOT NULL DEFAULT now(),
    updated_at      timestamp NOT NULL DEFAULT now(),
    CONSTRAINT sponsor_transparency_sponsor_id_sponsors_id_fk
        FOREIGN KEY (sponsor_id) REFERENCES sponsors (id) ON DELETE CASCADE
);
CREATE INDEX sponsor_transparency_disclosure_type_idx ON sponsor_transparency (disclosure_type);
CREATE INDEX sponsor_transparency_is_verified_idx ON sponsor_transparency (is_verified);
CREATE INDEX sponsor_transparency_sponsor_id_idx ON sponsor_transparency (sponsor_id);

-- A change event on a regulation, optionally reported by a user.
CREATE TABLE regulatory_changes (
    id                   serial PRIMARY KEY,
    regulation_id        uuid NOT NULL,
    change_type          text,
    changes_requirements boolean NOT NULL DEFAULT false,
    shortens_deadline    boolean NOT NULL DEFAULT false,
    adds_costs           boolean NOT NULL DEFAULT false,
    affects_compliance   boolean NOT NULL DEFAULT false,
    details              jsonb DEFAULT '{}'::jsonb,
    changed_at           timestamp NOT NULL DEFAULT now(),
    reported_by          uuid,
    created_at           timestamp NOT NULL DEFAULT now(),
    CONSTRAINT regulatory_changes_regulation_id_regulations_id_fk
        FOREIGN KEY (regulation_id) REFERENCES regulations (id) ON DELETE CASCADE,
    CONSTRAINT regulatory_changes_reported_by_users_id_fk
        FOREIGN KEY (reported_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX regulatory_changes_change_type_idx ON regulatory_changes (change_type);
CREATE INDEX regulatory_changes_changed_at_idx ON regulatory_changes (changed_at);
CREATE INDEX regulatory_changes_regulation_id_idx ON regulatory_changes (regulation_id);

-- An interested person or organisation with an influence score.
CREATE TABLE stakeholders (
    id             serial PRIMARY KEY,
    name           text NOT NULL,
    email          text,
    organization   text,
    sector         text,
    type           text NOT NULL,
    influence      numeric(5,2) NOT NULL DEFAULT 0.00,
    voting_history jsonb DEFAULT '[]'::jsonb,
    created_at     timestamp NOT NULL DEFAULT now(),
    updated_at     timestamp NOT NULL DEFAULT now()
);
CREATE INDEX stakeholders_name_idx ON stakeholders (name);
CREATE INDEX stakeholders_sector_idx ON stakeholders (sector);
CREATE INDEX stakeholders_type_idx ON stakeholders (type);
