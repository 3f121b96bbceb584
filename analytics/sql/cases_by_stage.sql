-- Cases in scope by stage, every stage in $stages listed, in that order; a case is in
-- exactly one stage, so the rows add up to the cases in scope.
WITH stages AS (
    SELECT unnest($stages) AS stage, generate_subscripts($stages, 1) AS position
),

counted AS (
    SELECT stage, count(*) AS cases
    FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
    GROUP BY stage
)

SELECT stages.stage, coalesce(counted.cases, 0) AS cases
FROM stages
LEFT JOIN counted USING (stage)
ORDER BY stages.position
