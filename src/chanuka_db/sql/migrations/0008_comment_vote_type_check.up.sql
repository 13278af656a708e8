-- comment_votes.vote_type is free text (spec section 7.9: the CHECK of migration 0003 was lost),
-- but a vote is 'up' or 'down' and bill_comments.upvotes/downvotes count exactly those.
--
-- Applies to a table that already holds votes:
--   1. spellings that clearly mean up or down ('UP', ' Up ', 'upvote', 'like', '+1', '1',
--      'down', 'downvote', 'dislike', '-1') are rewritten to 'up' / 'down';
--   2. any other value stops the migration with the values and their counts: a vote whose
--      direction is unknown is not ours to guess or delete (fix or delete those rows, then
--      migrate again; the transaction leaves everything as it was);
--   3. the constraint is added NOT VALID: new and updated rows are checked from here on, and
--      the ACCESS EXCLUSIVE lock this needs is held only until this file commits.
-- 0009 then validates the existing rows under a lock that lets reads and writes go on.
-- The down file drops the constraint; rewritten spellings stay 'up'/'down'.

UPDATE comment_votes
   SET vote_type = CASE
           WHEN lower(btrim(vote_type)) IN ('up', 'upvote', 'like', '+1', '1') THEN 'up'
           ELSE 'down'
       END
 WHERE vote_type NOT IN ('up', 'down')
   AND lower(btrim(vote_type)) IN ('up', 'upvote', 'like', '+1', '1',
                                   'down', 'downvote', 'dislike', '-1');

DO $$
DECLARE
    unknown text;
BEGIN
    SELECT string_agg(format('%L (%s rows)', vote_type, n), ', ' ORDER BY vote_type)
      INTO unknown
      FROM (SELECT vote_type, count(*) AS n
              FROM comment_votes
             WHERE vote_type NOT IN ('up', 'down')
             GROUP BY vote_type) AS odd;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'comment_votes.vote_type holds values that are neither up nor down: %',
            unknown
            USING HINT = 'Rewrite or delete those votes, then run the migration again.';
    END IF;
END;
$$;

ALTER TABLE comment_votes
    ADD CONSTRAINT comment_votes_vote_type_check CHECK (vote_type IN ('up', 'down')) NOT VALID;
