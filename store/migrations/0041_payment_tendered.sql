-- What a guest handed over in cash, so the receipt can show the change;
-- 0 when not given (or not cash).
ALTER TABLE payments ADD COLUMN tendered_cents INTEGER NOT NULL DEFAULT 0;
