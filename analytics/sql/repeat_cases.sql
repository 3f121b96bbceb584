-- Cases in scope whose person reference already had an earlier case: reported earlier,
-- or the same day and logged before it. The earlier case may lie outside the scope.
-- person_key is the keyed pseudonym of person_ref, which outlives the code's disposal.
WITH in_scope AS (
    SELECT id, person_key, reported_on
    FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
    WHERE person_key IS NOT NULL
),

first_case_of_person AS (
    SELECT person_key, min((reported_on, id)) AS first_case
    FROM incidents
    WHERE person_key IS NOT NULL
    GROUP BY person_key
)

SELECT count(*) AS repeat_cases
FROM in_scope
JOIN first_case_of_person USING (person_key)
WHERE (in_scope.reported_on, in_scope.id) <> first_case_of_person.first_case
