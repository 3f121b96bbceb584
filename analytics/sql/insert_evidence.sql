-- One evidence item of a case, as prepared (its content and thumbnail, their digests and
-- sizes), with who added it and when; its id.
INSERT INTO evidence (incident_id, media_type, file_name, content, thumbnail,
    sha256, original_sha256, size_bytes, original_size_bytes, note, added_by,
    added_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id
