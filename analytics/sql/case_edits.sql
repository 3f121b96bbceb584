-- The edits of one case on the audit trail, oldest first: when, who, which fields, why.
SELECT occurred_at, actor, detail AS fields, reason
FROM audit_log
WHERE record_type = 'incident' AND record_id = ? AND action = 'case edited'
ORDER BY occurred_at, id
