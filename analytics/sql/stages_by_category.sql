-- For each category (every code, in the vocabulary's order): its cases by stage. A case
-- with several categories counts once in each, so the rows do not add up to all cases.
WITH codes AS (
    SELECT unnest($codes) AS category, generate_subscripts($codes, 1) AS position
),

case_categories AS (
    SELECT unnest(categories) AS category, stage
    FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
),

counted AS (
    SELECT
        category,
        count(*) FILTER (WHERE stage = 'settled_at_discussion') AS settled_at_discussion,
        count(*) FILTER (WHERE stage = 'escalated') AS escalated,
        count(*) FILTER (WHERE stage = 'open') AS open
    FROM case_categories
    GROUP BY category
)

SELECT
    codes.category,
    coalesce(counted.settled_at_discussion, 0) AS settled_at_discussion,
    coalesce(counted.escalated, 0) AS escalated,
    coalesce(counted.open, 0) AS open
FROM codes
LEFT JOIN counted USING (category)
ORDER BY codes.position
