-- One frozen report: its meeting, term, version, threshold, figures and documents, and who
-- froze it and when; its id.
INSERT INTO report_snapshots
    (meeting_on, term, mode, threshold, figures, pdf, docx, csv, frozen_by, frozen_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id
