-- Exactly-once checkout. An attempt is written as 'pending' before the gateway is asked
-- and is held by one request (holder) until lease_until (unix seconds). A pending attempt
-- whose lease ran out belongs to a request that died: a retry with the same key takes it
-- over and carries on (the gateway answers the same key with the same authorization);
-- one lease later the shop settles it (any authorization voided, answered 'abandoned').
-- States: pending | authenticating | placed | declined | refused | abandoned.
ALTER TABLE checkout_attempts ADD COLUMN holder TEXT;
ALTER TABLE checkout_attempts ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX checkout_attempts_pending ON checkout_attempts(lease_until) WHERE state = 'pending';

-- The test gateway keeps one authorization per idempotency key (reference) and answers
-- a repeated key with it. Earlier duplicates (none are made any more) keep their rows
-- under a suffixed reference. Statuses now also say why a decline happened:
-- authorized | declined | insufficient_funds | authentication_failed | needs_authentication | voided.
UPDATE test_gateway_authorizations SET reference = reference || '#' || id
 WHERE rowid NOT IN (SELECT MIN(rowid) FROM test_gateway_authorizations GROUP BY reference);
CREATE UNIQUE INDEX test_gateway_authorizations_reference ON test_gateway_authorizations(reference);
