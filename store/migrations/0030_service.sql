-- Service flow: courses, corrections, split bills, shared terminals and the
-- audit log.

-- Course names in order; fire_courses holds later courses until staff fire
-- them. correction_reasons is the short list offered for voids, comps and
-- discounts (free text is always allowed too).
ALTER TABLE settings ADD COLUMN courses TEXT NOT NULL DEFAULT '["Starters","Mains","Desserts"]';
ALTER TABLE settings ADD COLUMN fire_courses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE settings ADD COLUMN correction_reasons TEXT NOT NULL
    DEFAULT '["Guest changed mind","Wrong order","Kitchen error","Quality complaint","Long wait","Staff meal","Regular guest"]';
ALTER TABLE settings ADD COLUMN terminal_lock_seconds INTEGER NOT NULL DEFAULT 60;

-- An item's default course (1-based; NULL: none, it goes at once).
ALTER TABLE items ADD COLUMN course INTEGER;

-- A line's course and seat, when it was sent to the kitchen (NULL while
-- held), how much of it was voided, why it was comped (NULL: not comped)
-- and the payment that paid it when the bill was split by item or seat.
ALTER TABLE order_items ADD COLUMN course INTEGER;
ALTER TABLE order_items ADD COLUMN seat INTEGER;
ALTER TABLE order_items ADD COLUMN fired_at INTEGER;
ALTER TABLE order_items ADD COLUMN voided_quantity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_items ADD COLUMN comp_reason TEXT;
ALTER TABLE order_items ADD COLUMN paid_payment_id INTEGER REFERENCES payments (id);
UPDATE order_items SET fired_at = (SELECT created_at FROM orders WHERE orders.id = order_items.order_id);
CREATE INDEX order_items_paid ON order_items (paid_payment_id) WHERE paid_payment_id IS NOT NULL;

-- The table's open request moves to a column without the old CHECK, which
-- could not take the new "next_course" kind (SQLite cannot alter a CHECK in
-- place); the kinds are checked in Go.
ALTER TABLE tables ADD COLUMN open_request TEXT;
UPDATE tables SET open_request = request_kind, request_kind = NULL;

-- Which lines a split payment settled (a JSON array, empty for a payment
-- of an amount).
ALTER TABLE payments ADD COLUMN line_ids TEXT NOT NULL DEFAULT '[]';

-- Voids and comps, kept for the bill and the daily report.
CREATE TABLE corrections (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL CHECK (kind IN ('void', 'comp')),
    table_id     INTEGER NOT NULL,
    order_id     INTEGER NOT NULL REFERENCES orders (id),
    line_id      INTEGER NOT NULL REFERENCES order_items (id),
    name         TEXT    NOT NULL,
    quantity     INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    reason       TEXT    NOT NULL,
    user_id      INTEGER,
    user_name    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX corrections_order ON corrections (order_id);
CREATE INDEX corrections_created ON corrections (created_at);

-- Discounts on a table's open bill; settled with the bill, which records
-- what they came to (applied_cents).
CREATE TABLE discounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    table_id      INTEGER NOT NULL REFERENCES tables (id),
    percent_bp    INTEGER,
    amount_cents  INTEGER,
    reason        TEXT    NOT NULL,
    user_id       INTEGER,
    user_name     TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    settled       INTEGER NOT NULL DEFAULT 0,
    applied_cents INTEGER,
    settled_at    INTEGER
) STRICT;

CREATE INDEX discounts_table_open ON discounts (table_id, settled);

-- Shared terminals: enrolled like a table's iPad, then staff sign in with
-- a PIN. session rises with every sign-in and lock and ends the tokens of
-- the one before.
CREATE TABLE terminals (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    code            TEXT,
    code_expires_at INTEGER,
    enrolled_at     INTEGER,
    token_version   INTEGER NOT NULL DEFAULT 0,
    session         INTEGER NOT NULL DEFAULT 0,
    session_user_id INTEGER,
    failures        INTEGER NOT NULL DEFAULT 0,
    lockouts        INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    deleted_at      INTEGER
) STRICT;

CREATE UNIQUE INDEX terminals_code ON terminals (code) WHERE code IS NOT NULL;

-- A PIN is kept as a keyed hash (the key lives in meta), so that "unique
-- among active users" and sign-in are one indexed lookup.
ALTER TABLE users ADD COLUMN pin_hash TEXT;
CREATE UNIQUE INDEX users_pin ON users (pin_hash) WHERE pin_hash IS NOT NULL AND active = 1;

-- Who did what: one row per change, written in the change's transaction.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    actor_kind TEXT    NOT NULL,
    actor_id   INTEGER,
    actor_name TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    entity_id  INTEGER,
    order_id   INTEGER,
    reason     TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_actor ON audit (actor_kind, actor_id, at);
CREATE INDEX audit_order ON audit (order_id) WHERE order_id IS NOT NULL;
