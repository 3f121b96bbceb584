-- Every case in the import/export format, one row a case, oldest first. An action
-- column holds the first date that action was taken.
WITH first_actions AS (
    SELECT
        incident_id,
        min(taken_on) FILTER (WHERE action = 'written_warning') AS written_warning_on,
        min(taken_on) FILTER (WHERE action = 'legal_advice') AS legal_advice_on,
        min(taken_on) FILTER (WHERE action = 'police') AS police_on,
        min(taken_on) FILTER (WHERE action = 'access_blocked') AS access_blocked_on,
        min(taken_on) FILTER (WHERE action = 'provider_removal_request')
            AS provider_removal_request_on,
        min(taken_on) FILTER (WHERE action = 'legal_action') AS legal_action_on
    FROM escalation_actions
    GROUP BY incident_id
)

SELECT
    incidents.reference,
    incidents.reported_on,
    incidents.posted_on,
    incidents.platform,
    array_to_string(incidents.categories, ';') AS categories,
    incidents.posted_by,
    array_to_string(incidents.about, ';') AS about,
    incidents.person_ref,
    incidents.summary,
    incidents.evidence_url,
    incidents.discussion_on,
    incidents.discussion_outcome,
    first_actions.written_warning_on,
    first_actions.legal_advice_on,
    first_actions.police_on,
    first_actions.access_blocked_on,
    first_actions.provider_removal_request_on,
    first_actions.legal_action_on,
    incidents.content_removed_on,
    incidents.closed_on,
    incidents.outcome,
    incidents.rationale
FROM incidents
LEFT JOIN first_actions ON first_actions.incident_id = incidents.id
ORDER BY incidents.reported_on, incidents.id
