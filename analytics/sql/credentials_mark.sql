-- What a password vouched for, for one account: its password hash, role and whether it is
-- active, and the newest change of any of them on the audit trail ($changes: those
-- actions). No row when there is no such account.
SELECT password_hash, role, active, (
    SELECT max(id) FROM audit_log
    WHERE record_type = 'account' AND record_id = CAST($id AS VARCHAR)
        AND list_contains($changes, action)
)
FROM accounts WHERE id = $id
