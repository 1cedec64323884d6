-- A staff user's tokens carry this version; a password reset or a
-- deactivation raises it, so every token issued before stops working.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
