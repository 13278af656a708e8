-- chanuka:baseline
-- Baseline, infrastructure domain: Everything operational or unrelated to the core domain: the
-- migration ledger, data-sync jobs/errors/conflicts, security audit and threat data, compliance
-- checks, notifications, and a departments/evaluations pair.

-- A data-synchronisation conflict on one record; string id.
CREATE TABLE conflicts (
    id             text PRIMARY KEY,
    data_type      text NOT NULL,
    record_id      text NOT NULL,
    resolution     text NOT NULL DEFAULT 'pending',
    resolved_value text,
    resolved_by    text,
    resolved_at    timestamp,
    confidence     numeric(3,2) NOT NULL DEFAULT 0.00,
    created_at     timestamp NOT NULL DEFAULT now(),
    updated_at     timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX conflicts_data_type_record_idx ON conflicts (data_type, record_id);
CREATE INDEX conflicts_resolution_idx ON conflicts (resolution);

-- A scheduled compliance/security check and its last findings.
CREATE TABLE compliance_checks (
    id           serial PRIMARY KEY,
    check_name   text NOT NULL,
    check_type   text NOT NULL,
    description  text,
    status       text NOT NULL DEFAULT 'passing',
    last_checked timestamp NOT NULL DEFAULT now(),
    next_check   timestamp,
    findings     jsonb DEFAULT '[]'::jsonb,
    remediation  text,
    priority     text NOT NULL DEFAULT 'medium',
    automated    boolean NOT NULL DEFAULT true,
    created_at   timestamp NOT NULL DEFAULT now(),
    updated_at   timestamp NOT NULL DEFAULT now()
);
CREATE INDEX compliance_checks_check_type_idx ON compliance_checks (check_type);
CREATE INDEX compliance_checks_next_check_idx ON compliance_checks (next_check);
CREATE INDEX compliance_checks_priority_idx ON compliance_checks (priority);
CREATE INDEX compliance_checks_status_idx ON compliance_checks (status);

-- A notification for a user, optionally about a bill.
CREATE TABLE notifications (
    id              serial PRIMARY KEY,
    user_id         uuid NOT NULL,
    type            text NOT NULL,
    title           text NOT NULL,
    message         text NOT NULL,
    related_bill_id integer,
    is_read         boolean NOT NULL DEFAULT false,
    created_at      timestamp NOT NULL DEFAULT now(),
    CONSTRAINT notifications_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT notifications_related_bill_id_bills_id_fk
        FOREIGN KEY (related_bill_id) REFERENCES bills (id) ON DELETE CASCADE
);
CREATE INDEX idx_notifications_type_created ON notifications (type, created_at DESC);
CREATE INDEX idx_notifications_user_unread ON notifications (user_id, is_read, created_at DESC);
CREATE INDEX notifications_created_at_idx ON notifications (created_at);
CREATE INDEX notifications_is_read_idx ON notifications (is_read);
CREATE INDEX notifications_type_idx ON notifications (type);
CREATE INDEX notifications_user_id_idx ON notifications (user_id);
CREATE INDEX notifications_user_read_idx ON notifications (user_id, is_read);

-- A department (only referenced by evaluations).
CREATE TABLE departments (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    description text,
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamp NOT NULL DEFAULT now(),
    updated_at  timestamp NOT NULL DEFAULT now()
);
CREATE INDEX departments_is_active_idx ON departments (is_active);
CREATE UNIQUE INDEX departments_name_idx ON departments (name);

-- Threat record for one IP address (unique).
CREATE TABLE threat_intelligence (
    id          serial PRIMARY KEY,
    ip_address  text NOT NULL,
    threat_type text NOT NULL,
    severity    text NOT NULL DEFAULT 'medium',
    source      text NOT NULL,
    description text,
    first_seen  timestamp NOT NULL DEFAULT now(),
    last_seen   timestamp NOT NULL DEFAULT now(),
    occurrences integer NOT NULL DEFAULT 1,
    blocked     boolean NOT NULL DEFAULT false,
    is_active   boolean NOT NULL DEFAULT true,
    expires_at  timestamp,
    metadata    jsonb DEFAULT '{}'::jsonb,
    created_at  timestamp NOT NULL DEFAULT now(),
    updated_at  timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX threat_intelligence_ip_address_idx ON threat_intelligence (ip_address);
CREATE INDEX threat_intelligence_is_active_idx ON threat_intelligence (is_active);
CREATE INDEX threat_intelligence_severity_idx ON threat_intelligence (severity);
CREATE INDEX threat_intelligence_threat_type_idx ON threat_intelligence (threat_type);

-- One source's competing value for a sync conflict.
CREATE TABLE conflict_sources (
    id          serial PRIMARY KEY,
    conflict_id text NOT NULL,
    source_id   text NOT NULL,
    source_name text NOT NULL,
    value       text NOT NULL,
    "timestamp" timestamp NOT NULL,
    priority    numeric(3,2) NOT NULL,
    confidence  numeric(3,2) NOT NULL,
    created_at  timestamp NOT NULL DEFAULT now(),
    CONSTRAINT conflict_sources_conflict_id_conflicts_id_fk
        FOREIGN KEY (conflict_id) REFERENCES conflicts (id) ON DELETE CASCADE
);
CREATE INDEX conflict_sources_conflict_id_idx ON conflict_sources (conflict_id);
CREATE INDEX conflict_sources_source_id_idx ON conflict_sources (source_id);

-- A candidate evaluation belonging to a department.
CREATE TABLE evaluations (
    id             serial PRIMARY KEY,
    candidate_name text NOT NULL,
    department_id  integer NOT NULL,
    status         text NOT NULL DEFAULT 'pending',
    created_at     timestamp NOT NULL DEFAULT now(),
    updated_at     timestamp NOT NULL DEFAULT now(),
    CONSTRAINT evaluations_department_id_departments_id_fk
        FOREIGN KEY (department_id) REFERENCES departments (id) ON DELETE CASCADE
);
CREATE INDEX evaluations_department_id_idx ON evaluations (department_id);
CREATE INDEX evaluations_status_idx ON evaluations (status);

-- One run of an external data-sync job; string id.
CREATE TABLE sync_jobs (
    id                  text PRIMARY KEY,
    data_source_id      text NOT NULL,
    endpoint_id         text NOT NULL,
    status              text NOT NULL DEFAULT 'pending',
    start_time          timestamp,
    end_time            timestamp,
    records_processed   integer NOT NULL DEFAULT 0,
    records_updated     integer NOT NULL DEFAULT 0,
    records_created     integer NOT NULL DEFAULT 0,
    records_skipped     integer NOT NULL DEFAULT 0,
    is_incremental      boolean NOT NULL DEFAULT true,
    last_sync_timestamp timestamp,
    next_run_time       timestamp,
    created_at          timestamp NOT NULL DEFAULT now(),
    updated_at          timestamp NOT NULL DEFAULT now()
);
CREATE INDEX sync_jobs_data_source_idx ON sync_jobs (data_source_id);
CREATE INDEX sync_jobs_next_run_time_idx ON sync_jobs (next_run_time);
CREATE INDEX sync_jobs_status_idx ON sync_jobs (status);

-- An error logged by a sync job.
CREATE TABLE sync_errors (
    id          serial PRIMARY KEY,
    job_id      text NOT NULL,
    "timestamp" timestamp NOT NULL DEFAULT now(),
    level       text NOT NULL,
    message     text NOT NULL,
    details     text,
    record_id   text,
    endpoint    text,
    created_at  timestamp NOT NULL DEFAULT now(),
    CONSTRAINT sync_errors_job_id_sync_jobs_id_fk
        FOREIGN KEY (job_id) REFERENCES sync_jobs (id) ON DELETE CASCADE
);
CREATE INDEX sync_errors_job_id_idx ON sync_errors (job_id);
CREATE INDEX sync_errors_level_idx ON sync_errors (level);
CREATE INDEX sync_errors_timestamp_idx ON sync_errors ("timestamp");

-- A security audit event.
CREATE TABLE security_audit_logs (
    id          serial PRIMARY KEY,
    event_type  text NOT NULL,
    user_id     uuid,
    ip_address  text,
    user_agent  text,
    resource    text,
    action      text,
    result      text NOT NULL,
    severity    text NOT NULL DEFAULT 'info',
    details     jsonb DEFAULT '{}'::jsonb,
    session_id  text,
    "timestamp" timestamp NOT NULL DEFAULT now(),
    created_at  timestamp NOT NULL DEFAULT now(),
    success     boolean DEFAULT true,
    risk_score  integer DEFAULT 0,
    CONSTRAINT security_audit_logs_user_id_users_id_fk
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX idx_security_audit_logs_risk_score ON security_audit_logs (risk_score);
CREATE INDEX security_audit_logs_event_type_idx ON security_audit_logs (event_type);
CREATE INDEX security_audit_logs_result_idx ON security_audit_logs (result);
CREATE INDEX security_audit_logs_severity_idx ON security_audit_logs (severity);
CREATE INDEX security_audit_logs_timestamp_idx ON security_audit_logs ("timestamp");
CREATE INDEX security_audit_logs_user_id_idx ON security_audit_logs (user_id);
