-- The first schema of the box. Times are Unix milliseconds, money minor units.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE settings (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    restaurant_name     TEXT    NOT NULL,
    currency            TEXT    NOT NULL,
    tax_rate_bp         INTEGER NOT NULL,
    prices_include_tax  INTEGER NOT NULL,
    auto_confirm_orders INTEGER NOT NULL,
    timezone            TEXT    NOT NULL
) STRICT;

INSERT INTO settings VALUES (1, 'Restaurant', 'EUR', 2000, 1, 0, 'UTC');

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'waiter', 'chef')),
    password_hash TEXT    NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE categories (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
) STRICT;

CREATE UNIQUE INDEX categories_name ON categories (name COLLATE NOCASE) WHERE deleted_at IS NULL;

CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    price_cents INTEGER NOT NULL,
    available   INTEGER NOT NULL DEFAULT 1,
    allergens   TEXT    NOT NULL DEFAULT '[]',
    station     TEXT    NOT NULL DEFAULT 'kitchen',
    position    INTEGER NOT NULL DEFAULT 0,
    deleted_at  INTEGER
) STRICT;

CREATE INDEX items_category ON items (category_id);
-- A live item's name is unique within its category; deleted ones do not count.
CREATE UNIQUE INDEX items_name ON items (category_id, name COLLATE NOCASE) WHERE deleted_at IS NULL;

CREATE TABLE tables (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    seats             INTEGER NOT NULL,
    section           TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL DEFAULT 'available'
                      CHECK (status IN ('available', 'occupied', 'reserved', 'cleaning')),
    status_changed_at INTEGER NOT NULL,
    request_kind      TEXT    CHECK (request_kind IN ('waiter', 'bill')),
    request_at        INTEGER,
    token_version     INTEGER NOT NULL DEFAULT 0,
    deleted_at        INTEGER
) STRICT;

CREATE UNIQUE INDEX tables_name ON tables (name COLLATE NOCASE) WHERE deleted_at IS NULL;

CREATE TABLE pairing_codes (
    code       TEXT    PRIMARY KEY,
    table_id   INTEGER NOT NULL REFERENCES tables (id),
    expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE orders (
    id                INTEGER PRIMARY KEY,
    table_id          INTEGER NOT NULL REFERENCES tables (id),
    status            TEXT    NOT NULL CHECK (status IN
                      ('pending', 'confirmed', 'preparing', 'ready', 'served', 'paid', 'cancelled')),
    notes             TEXT    NOT NULL DEFAULT '',
    subtotal_cents    INTEGER NOT NULL,
    cancel_reason     TEXT    NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    status_changed_at INTEGER NOT NULL
) STRICT;

CREATE INDEX orders_table_status ON orders (table_id, status);
CREATE INDEX orders_status ON orders (status);
CREATE INDEX orders_updated ON orders (updated_at);
CREATE INDEX orders_created ON orders (created_at);

CREATE TABLE order_items (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders (id),
    menu_item_id     INTEGER NOT NULL REFERENCES items (id),
    name             TEXT    NOT NULL,
    quantity         INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    notes            TEXT    NOT NULL DEFAULT '',
    station          TEXT    NOT NULL,
    done             INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX order_items_order ON order_items (order_id);

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    table_id     INTEGER NOT NULL REFERENCES tables (id),
    method       TEXT    NOT NULL CHECK (method IN ('cash', 'card', 'other')),
    amount_cents INTEGER NOT NULL,
    tip_cents    INTEGER NOT NULL,
    order_ids    TEXT    NOT NULL,
    settled      INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX payments_table_open ON payments (table_id, settled);
CREATE INDEX payments_created ON payments (created_at);

CREATE TABLE idempotency_keys (
    scope      TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    request    TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    body       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;

-- The outbox: every event the box ever emitted, in order. AUTOINCREMENT so a
-- seq is never reused, even after the newest rows are pruned.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    rooms      TEXT    NOT NULL,
    data       BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE event_rooms (
    room TEXT    NOT NULL,
    seq  INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    PRIMARY KEY (room, seq)
) STRICT, WITHOUT ROWID;

CREATE INDEX event_rooms_seq ON event_rooms (seq);
