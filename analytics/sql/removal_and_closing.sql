-- Content removal and time to close for the cases in scope. Days are calendar days
-- from the reported date; a median is NULL when no case has the date.
SELECT
    count(content_removed_on) AS content_removed,
    count(closed_on) AS closed,
    median(date_diff('day', reported_on, content_removed_on)) AS median_days_to_removal,
    median(date_diff('day', reported_on, closed_on)) AS median_days_to_close
FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
