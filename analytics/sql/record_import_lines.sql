-- The references of a chunk of an import not seen before in it, with the line each is
-- first on ($references and $lines, place by place), for the chunks to come.
INSERT INTO import_lines
WITH chunk AS (SELECT unnest($references) AS reference, unnest($lines) AS line)
SELECT reference, line FROM chunk
WHERE reference NOT IN (SELECT reference FROM import_lines)
