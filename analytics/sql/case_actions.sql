-- One case's escalation actions: by date, then the policy's order of actions ($codes, as
-- analytics.cases.rules.step_order), then entry.
SELECT action, taken_on, note FROM escalation_actions
WHERE incident_id = $id
ORDER BY taken_on, list_position($codes, action), id
