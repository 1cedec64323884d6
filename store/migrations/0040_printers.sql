-- Printers and the durable print queue. A job is written in the same
-- transaction as the change that causes it and stays until the printer took
-- it; doc is the snapshot (JSON) the print worker renders to ESC/POS.

CREATE TABLE printers (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    address        TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('kitchen', 'receipt')),
    station        TEXT    NOT NULL DEFAULT '',
    width_chars    INTEGER NOT NULL CHECK (width_chars IN (32, 42, 48)),
    enabled        INTEGER NOT NULL DEFAULT 1,
    status         TEXT    NOT NULL DEFAULT 'offline' CHECK (status IN ('ok', 'offline', 'error')),
    status_message TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    deleted_at     INTEGER
) STRICT;

CREATE UNIQUE INDEX printers_name ON printers (name COLLATE NOCASE) WHERE deleted_at IS NULL;

-- status: queued (waiting), sending (an attempt began: found so after a
-- restart it is sent again marked as a repeat), printed (the printer took
-- it), cancelled (its printer was deleted), failed (it cannot be rendered).
CREATE TABLE print_jobs (
    id          INTEGER PRIMARY KEY,
    printer_id  INTEGER NOT NULL REFERENCES printers (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('kitchen', 'bill', 'receipt', 'test')),
    status      TEXT    NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'printed', 'cancelled', 'failed')),
    doc         BLOB    NOT NULL,
    order_id    INTEGER,
    table_id    INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    printed_at  INTEGER
) STRICT;

-- The worker's question: the oldest unfinished job of a printer.
CREATE INDEX print_jobs_pending ON print_jobs (printer_id, id) WHERE status IN ('queued', 'sending');
CREATE INDEX print_jobs_order ON print_jobs (order_id);
CREATE INDEX print_jobs_created ON print_jobs (created_at);

-- When a line first went onto a kitchen ticket; NULL while it never did.
ALTER TABLE order_items ADD COLUMN ticketed_at INTEGER;

ALTER TABLE settings ADD COLUMN print_receipts INTEGER NOT NULL DEFAULT 0;
