-- Every policy with its latest approval (by date, then entry), by title.
WITH latest AS (
    SELECT *, row_number() OVER (
        PARTITION BY policy_id ORDER BY approved_on DESC, id DESC) AS newest_first
    FROM policy_reviews
)

SELECT policies.id, policies.title, policies.governs_incidents,
    latest.approved_on, latest.approved_by, latest.next_review_term
FROM policies
JOIN latest ON latest.policy_id = policies.id AND latest.newest_first = 1
ORDER BY policies.title
