-- Validate comment_votes_vote_type_check (added NOT VALID by 0008) against the existing rows.
-- A separate file, so a separate transaction: VALIDATE CONSTRAINT takes only a SHARE UPDATE
-- EXCLUSIVE lock, so reads and writes of comment_votes go on while it scans the table.
ALTER TABLE comment_votes VALIDATE CONSTRAINT comment_votes_vote_type_check;
