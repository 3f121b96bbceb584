-- A case's status in words, one rule for every list and page: open or closed, and how far
-- it went under the policy. Codes as analytics.vocabulary.STATUSES; stage codes as STAGES.
CREATE MACRO case_status(stage, closed_on, discussion_on) AS CASE
    WHEN closed_on IS NULL AND stage = 'escalated' THEN 'open_escalated'
    WHEN closed_on IS NULL AND discussion_on IS NULL THEN 'open_not_discussed'
    WHEN closed_on IS NULL THEN 'open_discussed'
    WHEN stage = 'escalated' THEN 'closed_escalated'
    ELSE 'closed_settled'
END;
