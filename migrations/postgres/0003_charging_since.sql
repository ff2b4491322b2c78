-- As migrations/0018_charging_since.sql.
ALTER TABLE payments ADD COLUMN charging_at BIGINT;
