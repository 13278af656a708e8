-- Undo 0009_validate_comment_vote_type: PostgreSQL cannot mark a constraint unvalidated, so
-- re-create it NOT VALID, which is the state 0008 left.
ALTER TABLE comment_votes DROP CONSTRAINT comment_votes_vote_type_check;
ALTER TABLE comment_votes
    ADD CONSTRAINT comment_votes_vote_type_check CHECK (vote_type IN ('up', 'down')) NOT VALID;
