-- When a payment was claimed for charging: a process that starts puts back to `due` only
-- the charges left behind long ago (by a process that stopped), never one another process
-- sharing the database is making now.
ALTER TABLE payments ADD COLUMN charging_at INTEGER;
