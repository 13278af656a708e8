-- Undo 0012_drop_duplicate_indexes: build the duplicates again, as the baseline defines them.
CREATE INDEX idx_users_verification_status ON users (verification_status);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);
CREATE INDEX sponsor_name_idx ON sponsors (name);
CREATE INDEX sponsor_party_idx ON sponsors (party);
CREATE INDEX idx_user_profiles_reputation ON user_profiles (reputation_score DESC);
CREATE INDEX idx_bill_engagement_last_engaged ON bill_engagement (last_engaged DESC);
CREATE UNIQUE INDEX users_email_idx ON users (email);
CREATE INDEX idx_user_interests_user_interest ON user_interests (user_id, interest);
CREATE INDEX idx_user_activity_user_date ON user_activity_summary (user_id, date DESC);
CREATE INDEX idx_bill_analytics_bill_date ON bill_analytics_summary (bill_id, date DESC);
