-- The day's report adds up: who took each order and each payment (the
-- report's figures by waiter), and when a payment's bill was settled (so a
-- settled bill's payments are found again with its orders, whose paid_at
-- is the same instant).
ALTER TABLE orders ADD COLUMN taken_by INTEGER;
ALTER TABLE payments ADD COLUMN taken_by INTEGER;
ALTER TABLE payments ADD COLUMN settled_at INTEGER;

-- Earlier rows learn the same from the audit log: the user who entered an
-- order, or else the one who confirmed a guest's; the user who took a
-- payment (or made the change that refunded one).
UPDATE orders SET taken_by = (SELECT a.actor_id FROM audit a
    WHERE a.action = 'order.create' AND a.entity_id = orders.id AND a.actor_kind = 'user' ORDER BY a.id LIMIT 1);
UPDATE orders SET taken_by = (SELECT a.actor_id FROM audit a
    WHERE a.action = 'order.status' AND a.entity_id = orders.id AND a.actor_kind = 'user'
      AND json_extract(a.detail, '$.from') = 'pending' AND json_extract(a.detail, '$.to') = 'confirmed'
    ORDER BY a.id LIMIT 1)
  WHERE taken_by IS NULL;
UPDATE payments SET taken_by = (SELECT a.actor_id FROM audit a
    WHERE a.action IN ('payment.create', 'payment.refund') AND a.entity_id = payments.id AND a.actor_kind = 'user' ORDER BY a.id LIMIT 1);

-- A settled payment was settled with the first bill of its table closed at
-- or after it: the earliest paid_at of the table's orders from then on (or,
-- for a bill whose orders were all cancelled, its refund).
UPDATE payments SET settled_at = coalesce(
    (SELECT min(o.paid_at) FROM orders o WHERE o.table_id = payments.table_id AND o.paid_at >= payments.created_at),
    (SELECT min(r.created_at) FROM payments r WHERE r.table_id = payments.table_id AND r.amount_cents < 0 AND r.created_at >= payments.created_at),
    payments.created_at)
  WHERE settled = 1;

CREATE INDEX orders_bill ON orders (table_id, paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX payments_bill ON payments (table_id, settled_at) WHERE settled_at IS NOT NULL;
