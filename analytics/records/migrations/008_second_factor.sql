-- A second factor for signing in: a time-based one-time code (RFC 6238) from an
-- authenticator app, with single-use recovery codes for a lost phone.

-- Each account's authenticator secret. The code must be computed from it, so it is kept as
-- it is (base32, as pyotp makes it). It is unconfirmed until the first code from the app
-- is checked; the last time step (30-second period since 1970) used is kept, so that a code
-- seen over someone's shoulder cannot be used again. Code failures are counted here too,
-- because a right password resets the account's own count of failures.
CREATE TABLE second_factors (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    secret VARCHAR NOT NULL CHECK (regexp_full_match(secret, '[A-Z2-7]{16,128}')),
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    last_time_step BIGINT CHECK (last_time_step >= 0),
    failed_codes INTEGER NOT NULL DEFAULT 0 CHECK (failed_codes >= 0)
);

-- Recovery codes, kept only as the SHA-256 of the code as typed without dashes (each is
-- 60 random bits, too many to guess, so no slow hash is needed). Used once.
CREATE TABLE recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    code_hash VARCHAR NOT NULL CHECK (regexp_full_match(code_hash, '[0-9a-f]{64}')),
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (account_id, code_hash)
);
