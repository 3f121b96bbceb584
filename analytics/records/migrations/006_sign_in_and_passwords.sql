-- Failed sign-ins, counted per username per minute: the audit trail gets one row for each
-- username and minute (the first failure), and this table the count, so that a flood of
-- guesses cannot flood the trail. Usernames are stored only when they are valid ones.
CREATE TABLE sign_in_failures (
    username VARCHAR NOT NULL,
    minute TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL CHECK (attempts >= 1),
    PRIMARY KEY (username, minute)
);

-- A password the headteacher set for someone is temporary: it must be changed at the next
-- sign-in. (Safe to replay offline: every connection opens with extension autoloading off.)
ALTER TABLE accounts ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT false;
