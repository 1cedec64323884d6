package store

// Retries made safe: a client's Idempotency-Key remembers the first answer
// to a write, so a retry after a lost response gets it again instead of a
// second order or payment.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// requestHash fingerprints a request, so that a key sent again with
// another request is told apart from a retry.
func requestHash(req any) string {
	raw, _ := json.Marshal(req)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// replay looks idem up: when the key was used, out gets the first answer
// and replayed is true; a key used for another request is an ErrConflict
// naming what (an order, a payment). An empty key never replays.
func (t *txn) replay(idem Idempotency, reqHash, what string, out any) (replayed bool, err error) {
	if idem.Key == "" {
		return false, nil
	}
	var hash string
	var body []byte
	err = t.tx.QueryRowContext(t.ctx, "SELECT request, body FROM idempotency_keys WHERE scope = ? AND key = ? AND created_at > ?",
		idem.Scope, idem.Key, ms(t.now.Add(-IdempotencyTTL))).Scan(&hash, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if hash != reqHash {
		return false, conflictf("this Idempotency-Key was used for a different %s", what)
	}
	return true, json.Unmarshal(body, out)
}

// remember keeps the answer v to idem's request, for replay.
func (t *txn) remember(idem Idempotency, reqHash string, status int, v any) error {
	if idem.Key == "" {
		return nil
	}
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT OR REPLACE INTO idempotency_keys (scope, key, request, status, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, idem.Scope, idem.Key, reqHash, status, body, ms(t.now))
	return err
}

// idempotencyKey validates a client's key.
func (c checker) idempotencyKey(idem Idempotency) {
	if len(idem.Key) > maxIdempotencyKey {
		c.add("Idempotency-Key", fmt.Sprintf("must be at most %d characters", maxIdempotencyKey))
	}
}

// PurgeIdempotencyKeys forgets keys older than IdempotencyTTL.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context) error {
	err := s.write(ctx, func(t *txn) error {
		_, err := t.tx.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE created_at <= ?", ms(t.now.Add(-IdempotencyTTL)))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: purge idempotency keys: %w", err)
	}
	return nil
}
