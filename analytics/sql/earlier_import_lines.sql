-- Of a chunk of an import ($references, each first seen on the line of $lines at the same
-- place), those an earlier chunk of the same import already had, with the line it was on.
WITH chunk AS (SELECT unnest($references) AS reference, unnest($lines) AS line)
SELECT chunk.reference, import_lines.line FROM chunk JOIN import_lines USING (reference)
