-- The escalation actions of new cases, from the Arrow table new_actions, each joined to its
-- case by reference.
INSERT INTO escalation_actions (incident_id, action, taken_on, note)
SELECT incidents.id, new_actions.action, new_actions.taken_on, new_actions.note
FROM new_actions
JOIN incidents ON incidents.reference = new_actions.reference
