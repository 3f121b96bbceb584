-- For each category (every code in $codes, in that order) and each stage in $stages: its
-- cases. A case with several categories counts once in each, so the categories add up to
-- more than the cases.
WITH codes AS (
    SELECT unnest($codes) AS category, generate_subscripts($codes, 1) AS position
),

stages AS (
    SELECT unnest($stages) AS stage, generate_subscripts($stages, 1) AS stage_position
),

case_categories AS (
    SELECT unnest(categories) AS category, stage
    FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
),

counted AS (
    SELECT category, stage, count(*) AS cases
    FROM case_categories
    GROUP BY category, stage
)

SELECT codes.category, stages.stage, coalesce(counted.cases, 0) AS cases
FROM codes
CROSS JOIN stages
LEFT JOIN counted ON counted.category = codes.category AND counted.stage = stages.stage
ORDER BY codes.position, stages.stage_position
