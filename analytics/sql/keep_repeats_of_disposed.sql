-- Before case $id loses its person pseudonym (at disposal): the case itself, if it was a
-- repeat, and every later case of the same person (a repeat through it) keep being counted
-- as repeats, so past terms' figures do not change.
UPDATE incidents AS other SET repeat_kept = true
FROM incidents AS disposed
WHERE disposed.id = $id AND disposed.person_key IS NOT NULL
    AND other.person_key = disposed.person_key
    AND (
        (other.reported_on, other.id) > (disposed.reported_on, disposed.id)
        OR (other.id = disposed.id AND EXISTS (
            SELECT 1 FROM incidents AS earlier
            WHERE earlier.person_key = disposed.person_key
                AND (earlier.reported_on, earlier.id) < (disposed.reported_on, disposed.id)
        ))
    )
