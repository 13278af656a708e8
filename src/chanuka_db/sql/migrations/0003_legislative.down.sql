-- Undo 0003_legislative: drop its tables (dependants first).
DROP TABLE analysis;
DROP TABLE social_shares;
DROP TABLE expert_verifications;
DROP TABLE bill_sponsorships;
DROP TABLE comment_votes;
DROP TABLE bill_section_conflicts;
DROP TABLE citizen_verifications;
DROP TABLE bill_tags;
DROP TABLE bill_comments;
DROP TABLE bill_engagement;
DROP TABLE bills;
DROP FUNCTION update_bills_search_vector();
