-- Case $id anonymised: its free text and person pseudonym removed ($removed stands in for
-- the outcome and rationale), its reference replaced, at $now; every coded field and date
-- kept.
UPDATE incidents SET
    reference = 'ANON-' || id, person_ref = NULL, person_key = NULL,
    summary = NULL, evidence_url = NULL, outcome = $removed,
    rationale = $removed, anonymised_at = $now
WHERE id = $id
