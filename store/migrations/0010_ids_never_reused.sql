-- Ids that tokens name are never reused, and a token is bound to a random
-- key of the row it was issued for, which a later row cannot inherit (a
-- fired waiter's token must not become the next user's, nor survive a
-- restore of an older backup).
--
-- users and tables are rebuilt with AUTOINCREMENT by a Go step of this
-- migration (store/migrate_ids.go), after these statements and in the same
-- transaction: it copies each table's own CREATE statement, so it keeps any
-- column or index another migration added.
--
-- Rows from before keep an empty key: the tokens they already issued stay
-- valid (no iPad needs pairing again after an upgrade); every row created
-- from now on gets a random one.
ALTER TABLE users ADD COLUMN token_key TEXT NOT NULL DEFAULT '';
ALTER TABLE tables ADD COLUMN token_key TEXT NOT NULL DEFAULT '';
