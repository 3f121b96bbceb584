-- Cases by stage for each period given (terms, say), oldest first, every period and
-- every stage in $stages listed. The periods arrive as three parallel lists.
WITH periods AS (
    SELECT
        unnest($labels) AS period,
        unnest($starts) AS start_on,
        unnest($ends) AS end_on,
        generate_subscripts($labels, 1) AS position
),

stages AS (
    SELECT unnest($stages) AS stage, generate_subscripts($stages, 1) AS stage_position
),

in_scope AS (
    SELECT reported_on, stage
    FROM cases_in_scope(
        (SELECT min(start_on) FROM periods), (SELECT max(end_on) FROM periods),
        $categories, $platforms)
),

counted AS (
    SELECT periods.position, in_scope.stage, count(*) AS cases
    FROM in_scope
    JOIN periods ON in_scope.reported_on BETWEEN periods.start_on AND periods.end_on
    GROUP BY periods.position, in_scope.stage
)

SELECT periods.period, stages.stage, coalesce(counted.cases, 0) AS cases
FROM periods
CROSS JOIN stages
LEFT JOIN counted ON counted.position = periods.position AND counted.stage = stages.stage
ORDER BY periods.position, stages.stage_position
