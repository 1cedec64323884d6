-- Paying is not cooking: settling a bill stamps its orders with paid_at and
-- leaves their kitchen status alone; an order settled before it was served
-- becomes paid when it is served. Orders already paid were settled when
-- their status last changed.
ALTER TABLE orders ADD COLUMN paid_at INTEGER;
UPDATE orders SET paid_at = status_changed_at WHERE status = 'paid';
CREATE INDEX orders_open_by_table ON orders (table_id) WHERE paid_at IS NULL AND status NOT IN ('paid', 'cancelled');
