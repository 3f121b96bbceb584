-- Cases per platform, every platform listed; a case with no platform recorded is in none.
WITH codes AS (
    SELECT unnest($codes) AS platform, generate_subscripts($codes, 1) AS position
),

counted AS (
    SELECT platform, count(*) AS cases
    FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
    GROUP BY platform
)

SELECT codes.platform, coalesce(counted.cases, 0) AS cases
FROM codes
LEFT JOIN counted USING (platform)
ORDER BY codes.position
