-- A terminal's token carries a key drawn at each enrollment (as users' and
-- tables' do), so no token fits a later terminal that gets the same id
-- after a restore. Terminals enrolled before keep '' and their tokens.
ALTER TABLE terminals ADD COLUMN token_key TEXT NOT NULL DEFAULT '';
