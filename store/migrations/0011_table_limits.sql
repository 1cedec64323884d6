-- What one table's iPad may order: lines per order, characters per note,
-- orders per minute and open orders at once. One row, like settings; the
-- values are the defaults the README names. Staff orders are not bound by
-- them (only by the hard limits of an order).
CREATE TABLE table_limits (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    max_lines_per_order   INTEGER NOT NULL,
    max_note_chars        INTEGER NOT NULL,
    max_orders_per_minute INTEGER NOT NULL,
    max_open_orders       INTEGER NOT NULL
) STRICT;

INSERT INTO table_limits VALUES (1, 30, 200, 6, 20);
