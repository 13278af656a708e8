-- Drop indexes that duplicate another index or a unique constraint (spec section 7.4). Each
-- costs writes and space and answers no query its twin cannot. The twin that is kept is the
-- one the original schema declared (<table>_<column>_idx, or the constraint).
--
-- Exact duplicates:
--   idx_users_verification_status     = users_verification_status_idx
--   idx_sessions_expires_at           = sessions_expires_at_idx
--   sponsor_name_idx                  = sponsors_name_idx
--   sponsor_party_idx                 = sponsors_party_idx
-- The same key in the other direction (a btree is read backwards just as fast, and DESC
-- NULLS FIRST is exactly ASC NULLS LAST read backwards):
--   idx_user_profiles_reputation      (reputation_score DESC) = user_profiles_reputation_idx
--   idx_bill_engagement_last_engaged  (last_engaged DESC)     = bill_engagement_last_engaged_idx
-- Duplicating a unique constraint or unique index (for "WHERE k = $1 ORDER BY date DESC" the
-- unique index is read backwards):
--   users_email_idx                   = constraint users_email_unique
--   idx_user_interests_user_interest  = unique user_interests_user_interest_idx
--   idx_user_activity_user_date       = constraint user_activity_summary_user_id_date_key
--   idx_bill_analytics_bill_date      = constraint bill_analytics_summary_bill_id_date_key
-- Kept: the 17 single-column indexes that are a leading prefix of a wider index (e.g.
-- bills_status_idx inside idx_bills_status_category_date). They are smaller and cheaper to
-- scan; whether they earn their keep is a question for production's pg_stat_user_indexes,
-- not for a schema file.

DROP INDEX idx_users_verification_status;
DROP INDEX idx_sessions_expires_at;
DROP INDEX sponsor_name_idx;
DROP INDEX sponsor_party_idx;
DROP INDEX idx_user_profiles_reputation;
DROP INDEX idx_bill_engagement_last_engaged;
DROP INDEX users_email_idx;
DROP INDEX idx_user_interests_user_interest;
DROP INDEX idx_user_activity_user_date;
DROP INDEX idx_bill_analytics_bill_date;
