-- Cases in scope not yet closed (open or escalated and still running), by age on $today:
-- under 2 weeks, 2 to 6 weeks, over 6 weeks ($ages names them), in calendar days and in
-- school days.
-- School days are weekdays inside a term's first and last day ($term_firsts/$term_lasts).
WITH days AS (
    SELECT CAST(day AS DATE) AS day
    FROM generate_series(CAST($start_on AS TIMESTAMP), CAST($today AS TIMESTAMP), INTERVAL 1 DAY)
        AS series(day)
),

term_time AS (
    SELECT unnest($term_firsts) AS first_day, unnest($term_lasts) AS last_day
),

school_days_to_date AS (
    -- For each day, how many school days there have been since $start_on, that day included.
    SELECT
        days.day,
        sum(CASE WHEN isodow(days.day) <= 5 AND EXISTS (
                SELECT 1 FROM term_time WHERE days.day BETWEEN first_day AND last_day)
            THEN 1 ELSE 0 END) OVER (ORDER BY days.day) AS school_days
    FROM days
),

unclosed AS (
    SELECT
        date_diff('day', cases.reported_on, $today) AS calendar_days,
        today.school_days - reported.school_days AS school_days
    FROM cases_in_scope($start_on, $end_on, $categories, $platforms) AS cases
    JOIN school_days_to_date AS reported ON reported.day = cases.reported_on
    CROSS JOIN (SELECT school_days FROM school_days_to_date WHERE day = $today) AS today
    WHERE cases.closed_on IS NULL
),

buckets AS (
    SELECT * FROM (VALUES
        (1, $ages[1], 0, 13, 0, 9),
        (2, $ages[2], 14, 42, 10, 30),
        (3, $ages[3], 43, NULL, 31, NULL)
    ) AS b(position, age, calendar_from, calendar_to, school_from, school_to)
)

SELECT
    buckets.age,
    count(*) FILTER (WHERE unclosed.calendar_days BETWEEN buckets.calendar_from
        AND coalesce(buckets.calendar_to, unclosed.calendar_days)) AS calendar_days,
    count(*) FILTER (WHERE unclosed.school_days BETWEEN buckets.school_from
        AND coalesce(buckets.school_to, unclosed.school_days)) AS school_days
FROM buckets
LEFT JOIN unclosed ON true
GROUP BY buckets.position, buckets.age
ORDER BY buckets.position
