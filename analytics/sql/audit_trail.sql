-- Audit rows, newest first, for one person, some actions, a span of days and one case (a
-- NULL filter matches everything), each with the names people know its record by. Text
-- erased at disposal reads as $erased; failed sign-ins, on the trail once per username and
-- minute, carry their count for that minute.
SELECT
    trail.occurred_at,
    trail.actor,
    trail.action,
    trail.record_type,
    trail.record_id,
    CASE
        WHEN trail.reason IS NULL AND trail.reason_digest IS NOT NULL THEN $erased
        ELSE trail.reason
    END AS reason,
    CASE
        WHEN trail.detail IS NULL AND trail.detail_digest IS NOT NULL THEN $erased
        WHEN failures.attempts IS NULL THEN trail.detail
        ELSE trail.detail || ' (' || failures.attempts || ' in that minute)'
    END AS detail,
    incidents.reference AS case_reference,
    accounts.username AS account_username,
    policies.title AS policy_title
FROM audit_log AS trail
LEFT JOIN sign_in_failures AS failures
    ON trail.action = 'sign-in failed'
    AND failures.username = trail.actor
    AND failures.minute = date_trunc('minute', trail.occurred_at)
LEFT JOIN incidents
    ON trail.record_type = $case_type
    AND incidents.id = TRY_CAST(trail.record_id AS INTEGER)
LEFT JOIN accounts
    ON trail.record_type = 'account'
    AND accounts.id = TRY_CAST(trail.record_id AS INTEGER)
LEFT JOIN policies
    ON trail.record_type = 'policy'
    AND policies.id = TRY_CAST(trail.record_id AS INTEGER)
WHERE ($actor IS NULL OR trail.actor = $actor)
    AND ($actions IS NULL OR list_contains($actions, trail.action))
    AND ($start IS NULL OR CAST(trail.occurred_at AS DATE) >= $start)
    AND ($end IS NULL OR CAST(trail.occurred_at AS DATE) <= $end)
    AND ($case_id IS NULL
        OR (trail.record_type = $case_type AND trail.record_id = CAST($case_id AS VARCHAR)))
ORDER BY trail.id DESC
LIMIT $limit
