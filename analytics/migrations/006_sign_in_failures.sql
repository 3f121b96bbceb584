-- Failed sign-ins, counted per username per minute: the audit trail gets one row for each
-- username and minute (the first failure), and this table the count, so that a flood of
-- guesses cannot flood the trail. Usernames are stored only when they are valid ones.
CREATE TABLE sign_in_failures (
    username VARCHAR NOT NULL,
    minute TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL CHECK (attempts >= 1),
    PRIMARY KEY (username, minute)
);
