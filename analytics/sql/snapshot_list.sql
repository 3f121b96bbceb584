-- Every frozen report in one of $modes, newest meeting first (the documents stay behind).
SELECT id, meeting_on, term, mode, threshold, frozen_at, frozen_by
FROM report_snapshots
WHERE list_contains($modes, mode)
ORDER BY meeting_on DESC, id DESC
