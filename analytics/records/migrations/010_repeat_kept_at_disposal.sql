-- Disposal removes a case's person pseudonym, so it no longer links to that person's other
-- cases. The repeat-case figures of past terms must not change with it: a case that was a
-- repeat through a link since removed keeps that here.
ALTER TABLE incidents ADD COLUMN repeat_kept BOOLEAN NOT NULL DEFAULT false;
