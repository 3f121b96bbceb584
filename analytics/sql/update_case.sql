-- One case's columns, its stage and its person pseudonym, as a change left them.
UPDATE incidents SET
    reference = $reference, reported_on = $reported_on, posted_on = $posted_on,
    platform = $platform, categories = $categories, posted_by = $posted_by,
    about = $about, person_ref = $person_ref, summary = $summary,
    evidence_url = $evidence_url, discussion_on = $discussion_on,
    discussion_outcome = $discussion_outcome, content_removed_on = $content_removed_on,
    closed_on = $closed_on, outcome = $outcome, rationale = $rationale, stage = $stage,
    person_key = $person_key
WHERE id = $id
