-- Closed cases past their disposal date (closing date plus $years, the retention period)
-- on $today, not on legal hold and not yet anonymised, oldest first.
SELECT id, reference, reported_on, closed_on,
    CAST(closed_on + to_years(CAST($years AS INTEGER)) AS DATE) AS disposal_on
FROM incidents
WHERE closed_on IS NOT NULL AND anonymised_at IS NULL AND NOT legal_hold
    AND closed_on + to_years(CAST($years AS INTEGER)) < $today
ORDER BY closed_on, id
