-- The person pseudonym is now keyed by the key file beside the store (analytics.records.pseudonyms),
-- not by a salt kept in the store. A store with no pseudonym made from the salt has no use
-- for it; one with some keeps it until analytics.records.pseudonyms.rekey_person_pseudonyms, run
-- when the store opens, has made them again under the key (and then removes it).
DELETE FROM settings
WHERE name = 'person_key_salt'
    AND NOT EXISTS (SELECT 1 FROM incidents WHERE person_key IS NOT NULL);
