-- Record each table's domain and purpose in the catalog, so the catalog alone can produce
-- docs/schema.md and the row-type generator can group tables by domain.
-- Format: 'domain: <users|regulatory|legislative|moderation|analytics|infrastructure>. <text>'.
-- Done after the baseline (not inside it) so that a database adopted with
-- 'chanuka-db baseline' gets the same comments when it migrates.

-- users
COMMENT ON TABLE users IS
    'domain: users. Platform account. role defaults to ''citizen''; verification_status to ''pending''.';
COMMENT ON TABLE password_resets IS
    'domain: users. One-time password-reset token (stored hashed) for a user.';
COMMENT ON TABLE sessions IS
    'domain: users. Login session; the id is an application-generated string.';
COMMENT ON TABLE refresh_tokens IS
    'domain: users. Hashed refresh token issued for a session.';
COMMENT ON TABLE user_interests IS
    'domain: users. A topic a user follows; at most one row per (user, interest).';
COMMENT ON TABLE user_profiles IS
    'domain: users. Public profile and reputation; one per user (unique user_id).';
COMMENT ON TABLE user_progress IS
    'domain: users. Gamification: one achievement row per (user, achievement_type).';
COMMENT ON TABLE user_social_profiles IS
    'domain: users. A linked external login; one per (user, provider).';

-- regulatory
COMMENT ON TABLE sponsors IS
    'domain: regulatory. A legislator/sponsor with transparency and conflict metrics.';
COMMENT ON TABLE regulations IS
    'domain: regulatory. A regulation; uses a uuid id, unlike its sibling tables.';
COMMENT ON TABLE regulatory_impact IS
    'domain: regulatory. Sector impact assessment of a regulation.';
COMMENT ON TABLE sponsor_affiliations IS
    'domain: regulatory. An organisation a sponsor is (or was) affiliated with.';
COMMENT ON TABLE sponsor_transparency IS
    'domain: regulatory. A disclosure (financial or other) filed for a sponsor.';
COMMENT ON TABLE regulatory_changes IS
    'domain: regulatory. A change event on a regulation, optionally reported by a user.';
COMMENT ON TABLE stakeholders IS
    'domain: regulatory. An interested person or organisation with an influence score.';

-- legislative
COMMENT ON TABLE bills IS
    'domain: legislative. A bill. Carries denormalised counters (views, shares, comments, engagement) and the full-text search_vector.';
COMMENT ON TABLE bill_engagement IS
    'domain: legislative. Per-(bill, user) engagement counters; one row per pair.';
COMMENT ON TABLE bill_comments IS
    'domain: legislative. Threaded comment on a bill (self-reference via parent_comment_id), with denormalised vote tallies and a soft-delete flag.';
COMMENT ON TABLE bill_tags IS
    'domain: legislative. Normalised tag of a bill; one row per (bill, tag). Duplicates bills.tags.';
COMMENT ON TABLE citizen_verifications IS
    'domain: legislative. A citizen''s verification of a bill; string id supplied by the application.';
COMMENT ON TABLE bill_section_conflicts IS
    'domain: legislative. A detected problem in one section of a bill.';
COMMENT ON TABLE comment_votes IS
    'domain: legislative. One vote per (comment, user). vote_type is free text.';
COMMENT ON TABLE bill_sponsorships IS
    'domain: legislative. Many-to-many link bill to sponsor with a sponsorship type.';
COMMENT ON TABLE expert_verifications IS
    'domain: legislative. An expert''s review of a bill; one per (bill, expert).';
COMMENT ON TABLE social_shares IS
    'domain: legislative. A share of a bill to an external platform, with engagement numbers.';
COMMENT ON TABLE analysis IS
    'domain: legislative. A typed analysis result for a bill; one per (bill, analysis_type).';

-- moderation
COMMENT ON TABLE content_analysis IS
    'domain: moderation. Machine scores for a piece of content; one row per (content_type, content_id).';
COMMENT ON TABLE moderation_actions IS
    'domain: moderation. An action taken by a moderator on a piece of content.';
COMMENT ON TABLE moderation_flags IS
    'domain: moderation. A report about content, by a user or auto-detected.';
COMMENT ON TABLE moderation_queue IS
    'domain: moderation. An item waiting for review; constrained content types, priority 1-5 and status.';
COMMENT ON TABLE content_flags IS
    'domain: moderation. A user report with constrained content types, categories and statuses.';

-- analytics
COMMENT ON TABLE analytics_events IS
    'domain: analytics. Raw interaction event; optional links to user, bill, comment, sponsor.';
COMMENT ON TABLE analytics_daily_summary IS
    'domain: analytics. Daily roll-up per (date, event_type, event_category).';
COMMENT ON TABLE user_activity_summary IS
    'domain: analytics. Daily roll-up per (user, date).';
COMMENT ON TABLE bill_analytics_summary IS
    'domain: analytics. Daily roll-up per (bill, date).';
COMMENT ON TABLE system_health_metrics IS
    'domain: analytics. Time series of named system metrics.';

-- infrastructure
COMMENT ON TABLE conflicts IS
    'domain: infrastructure. A data-synchronisation conflict on one record; string id.';
COMMENT ON TABLE compliance_checks IS
    'domain: infrastructure. A scheduled compliance/security check and its last findings.';
COMMENT ON TABLE notifications IS
    'domain: infrastructure. A notification for a user, optionally about a bill.';
COMMENT ON TABLE departments IS
    'domain: infrastructure. A department (only referenced by evaluations).';
COMMENT ON TABLE threat_intelligence IS
    'domain: infrastructure. Threat record for one IP address (unique).';
COMMENT ON TABLE conflict_sources IS
    'domain: infrastructure. One source''s competing value for a sync conflict.';
COMMENT ON TABLE evaluations IS
    'domain: infrastructure. A candidate evaluation belonging to a department.';
COMMENT ON TABLE sync_jobs IS
    'domain: infrastructure. One run of an external data-sync job; string id.';
COMMENT ON TABLE sync_errors IS
    'domain: infrastructure. An error logged by a sync job.';
COMMENT ON TABLE security_audit_logs IS
    'domain: infrastructure. A security audit event.';
