-- Wrong pairing codes count against every live code: a code dies after
-- PairingGuessBudget wrong guesses made while it lived, from anywhere, so
-- guesses spread over many addresses cannot outlast it.
ALTER TABLE pairing_codes ADD COLUMN wrong_guesses INTEGER NOT NULL DEFAULT 0;
