-- Undo 0008_comment_vote_type_check: drop the constraint (normalised spellings stay).
ALTER TABLE comment_votes DROP CONSTRAINT comment_votes_vote_type_check;
