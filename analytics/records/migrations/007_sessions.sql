-- Signed-in sessions, kept on the server: the browser holds a random token in an HttpOnly
-- cookie, the store only its SHA-256. A session ends on sign-out (in every tab at once),
-- after 8 hours idle or 12 in all, and when its account is deactivated or changes role:
-- the role it began with is kept to tell.
CREATE TABLE sessions (
    token_hash VARCHAR PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    role VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    ended_why VARCHAR
);
CREATE INDEX sessions_by_account ON sessions (account_id);
