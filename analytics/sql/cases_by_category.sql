-- Cases per category, every code listed (zeros included), in the vocabulary's order.
-- A case with several categories counts once under each.
WITH codes AS (
    SELECT unnest($codes) AS category, generate_subscripts($codes, 1) AS position
),

case_categories AS (
    SELECT unnest(categories) AS category
    FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
),

counted AS (
    SELECT category, count(*) AS cases
    FROM case_categories
    GROUP BY category
)

SELECT codes.category, coalesce(counted.cases, 0) AS cases
FROM codes
LEFT JOIN counted USING (category)
ORDER BY codes.position
