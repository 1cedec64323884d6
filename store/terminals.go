package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"time"
)

// ActorTerminal is a shared terminal acting without a signed-in user (an
// enrollment, a lock).
const ActorTerminal = "terminal"

// Terminal rules.
const (
	// TerminalCodeTTL is how long an enrollment code stays valid.
	TerminalCodeTTL = 10 * time.Minute
	// PINFailures wrong PINs in a row lock a terminal.
	PINFailures = 5
	// pinLockBase is the first lock-out; each further one doubles, up to
	// pinLockMax, until a right PIN resets the count.
	pinLockBase = time.Minute
	pinLockMax  = 30 * time.Minute
)

var (
	// ErrUnknownTerminal means a terminal token names no enrolled,
	// undeleted terminal (or an older enrollment of it).
	ErrUnknownTerminal = errors.New("unknown terminal")
)

// LockedError says a terminal refuses PINs until Until after too many
// wrong ones.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "too many wrong PINs; this terminal is locked until " + e.Until.Format(time.RFC3339)
}

// Terminal is a device enrolled for shared use with PINs.
type Terminal struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Enrolled    bool       `json:"enrolled"`
	EnrolledAt  *time.Time `json:"enrolled_at"`
	CreatedAt   time.Time  `json:"created_at"`
	SignedIn    *userBrief `json:"signed_in"`
	LockedUntil *time.Time `json:"locked_until"`
	// TokenVersion and TokenKey must match the terminal's token. The key is
	// drawn at each enrollment, so a token never fits another row or
	// enrollment, even one with the same id after a restore.
	TokenVersion int64  `json:"-"`
	TokenKey     string `json:"-"`
	// Session must match the session in the staff tokens issued on it.
	Session int64 `json:"-"`
}

type userBrief struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

// TerminalEnrollment is a new terminal with its one-time code.
type TerminalEnrollment struct {
	Terminal
	Code          string    `json:"code"`
	CodeExpiresAt time.Time `json:"code_expires_at"`
}

var pinPattern = regexp.MustCompile(`^[0-9]{4,6}$`)

func (c checker) pin(v string) {
	if !pinPattern.MatchString(v) {
		c.add("pin", "must be 4 to 6 digits")
	}
}

// ensurePINKey loads (creating once) the key PINs are hashed with. A PIN
// has few possible values, so a plain hash would be no secret at all; the
// keyed hash at least needs this key, which never leaves the database.
func (s *Store) ensurePINKey(ctx context.Context) error {
	b := make([]byte, 32)
	rand.Read(b)
	if _, err := s.w.ExecContext(ctx, "INSERT OR IGNORE INTO meta (key, value) VALUES ('pin_key', ?)", hex.EncodeToString(b)); err != nil {
		return fmt.Errorf("store: pin key: %w", err)
	}
	var key string
	if err := s.w.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'pin_key'").Scan(&key); err != nil {
		return fmt.Errorf("store: pin key: %w", err)
	}
	var err error
	if s.pinKey, err = hex.DecodeString(key); err != nil {
		return fmt.Errorf("store: pin key: %w", err)
	}
	return nil
}

func (s *Store) pinHash(pin string) string {
	m := hmac.New(sha256.New, s.pinKey)
	m.Write([]byte(pin))
	return hex.EncodeToString(m.Sum(nil))
}

// setPIN applies a PIN change (nil: none; "": remove) to u, whose other
// changes are not written yet, and checks first that an active user's PIN
// stays unique, also when the user is brought back.
func (t *txn) setPIN(u *User, pin *string) error {
	var hash sql.NullString
	if pin != nil {
		if *pin != "" {
			hash = sql.NullString{String: t.s.pinHash(*pin), Valid: true}
		}
	} else if err := t.tx.QueryRowContext(t.ctx, "SELECT pin_hash FROM users WHERE id = ?", u.ID).Scan(&hash); err != nil {
		return err
	}
	if u.Active && hash.Valid {
		var n int
		if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM users WHERE active = 1 AND id != ? AND pin_hash = ?", u.ID, hash.String).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return conflictf("another active user has this PIN; choose another")
		}
	}
	u.HasPIN = hash.Valid
	if pin == nil {
		return nil
	}
	_, err := t.tx.ExecContext(t.ctx, "UPDATE users SET pin_hash = ? WHERE id = ?", hash, u.ID)
	return err
}

const terminalColumns = `t.id, t.name, t.enrolled_at, t.created_at, t.token_version, t.token_key, t.session, t.locked_until, u.id, u.username`

func scanTerminal(row interface{ Scan(...any) error }) (Terminal, error) {
	var tm Terminal
	var enrolled, locked, uid sql.NullInt64
	var uname sql.NullString
	var created int64
	if err := row.Scan(&tm.ID, &tm.Name, &enrolled, &created, &tm.TokenVersion, &tm.TokenKey, &tm.Session, &locked, &uid, &uname); err != nil {
		return Terminal{}, err
	}
	tm.CreatedAt = fromMS(created)
	if enrolled.Valid {
		at := fromMS(enrolled.Int64)
		tm.Enrolled, tm.EnrolledAt = true, &at
	}
	if locked.Valid {
		at := fromMS(locked.Int64)
		tm.LockedUntil = &at
	}
	if uid.Valid {
		tm.SignedIn = &userBrief{ID: uid.Int64, Username: uname.String}
	}
	return tm, nil
}

const terminalFrom = ` FROM terminals t LEFT JOIN users u ON u.id = t.session_user_id AND u.active = 1 WHERE t.deleted_at IS NULL`

func getTerminal(ctx context.Context, q queryer, id int64) (Terminal, error) {
	tm, err := scanTerminal(q.QueryRowContext(ctx, "SELECT "+terminalColumns+terminalFrom+" AND t.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Terminal{}, ErrNotFound
	}
	return tm, err
}

// Terminals lists the terminals (enrolled or waiting for their code).
func (s *Store) Terminals(ctx context.Context) ([]Terminal, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+terminalColumns+terminalFrom+" ORDER BY t.id")
	if err != nil {
		return nil, fmt.Errorf("store: terminals: %w", err)
	}
	defer rows.Close()
	out := []Terminal{}
	for rows.Next() {
		tm, err := scanTerminal(rows)
		if err != nil {
			return nil, fmt.Errorf("store: terminals: %w", err)
		}
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: terminals: %w", err)
	}
	return out, nil
}

// Terminal returns one terminal, or ErrNotFound.
func (s *Store) Terminal(ctx context.Context, id int64) (Terminal, error) {
	tm, err := getTerminal(ctx, s.r, id)
	if err != nil {
		return Terminal{}, fmt.Errorf("store: terminal %d: %w", id, err)
	}
	return tm, nil
}

// CreateTerminal adds a terminal with a one-time 6-digit enrollment code,
// valid TerminalCodeTTL. It returns a *ValidationError for a bad name.
func (s *Store) CreateTerminal(ctx context.Context, name string) (TerminalEnrollment, error) {
	c := checker{}
	c.text("name", name, 1, 50, false)
	if err := c.err(); err != nil {
		return TerminalEnrollment{}, fmt.Errorf("store: create terminal: %w", err)
	}
	var e TerminalEnrollment
	err := s.write(ctx, func(t *txn) error {
		if _, err := t.tx.ExecContext(ctx, "UPDATE terminals SET code = NULL WHERE code_expires_at <= ?", ms(t.now)); err != nil {
			return err
		}
		e.CodeExpiresAt = t.now.Add(TerminalCodeTTL)
		for e.ID == 0 {
			n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
			if err != nil {
				return err
			}
			e.Code = fmt.Sprintf("%06d", n.Int64())
			res, err := t.tx.ExecContext(ctx, `INSERT OR IGNORE INTO terminals (name, code, code_expires_at, created_at) VALUES (?, ?, ?, ?)`,
				name, e.Code, ms(e.CodeExpiresAt), ms(t.now))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				e.ID, _ = res.LastInsertId()
			}
		}
		tm, err := getTerminal(ctx, t.tx, e.ID)
		if err != nil {
			return err
		}
		e.Terminal = tm
		return t.audit(change{action: "terminal.create", entity: "terminal", entityID: e.ID, detail: map[string]string{"name": name}})
	})
	if err != nil {
		return TerminalEnrollment{}, fmt.Errorf("store: create terminal: %w", err)
	}
	return e, nil
}

// EnrollTerminal trades an enrollment code, once, for the terminal and its
// token version. It returns ErrNotFound for an unknown, used or expired
// code.
func (s *Store) EnrollTerminal(ctx context.Context, code string) (Terminal, error) {
	var tm Terminal
	err := s.write(ctx, func(t *txn) error {
		var id int64
		err := t.tx.QueryRowContext(ctx, "SELECT id FROM terminals WHERE code = ? AND code_expires_at > ? AND deleted_at IS NULL", code, ms(t.now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE terminals SET code = NULL, code_expires_at = NULL, enrolled_at = ?,
			token_version = token_version + 1, token_key = ?, session = session + 1, session_user_id = NULL WHERE id = ?`, ms(t.now), newTokenKey(), id); err != nil {
			return err
		}
		if tm, err = getTerminal(ctx, t.tx, id); err != nil {
			return err
		}
		t.ctx = WithActor(ctx, Actor{Kind: ActorTerminal, ID: id, Name: tm.Name})
		return t.audit(change{action: "terminal.enroll", entity: "terminal", entityID: id})
	})
	if err != nil {
		return Terminal{}, fmt.Errorf("store: enroll terminal: %w", err)
	}
	return tm, nil
}

// DeleteTerminal removes a terminal: its token and every staff token
// issued on it stop working. It returns ErrNotFound.
func (s *Store) DeleteTerminal(ctx context.Context, id int64) error {
	err := s.write(ctx, func(t *txn) error {
		res, err := t.tx.ExecContext(ctx, `UPDATE terminals SET deleted_at = ?, code = NULL, token_version = token_version + 1,
			session = session + 1, session_user_id = NULL WHERE id = ? AND deleted_at IS NULL`, ms(t.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return t.audit(change{action: "terminal.delete", entity: "terminal", entityID: id})
	})
	if err != nil {
		return fmt.Errorf("store: delete terminal %d: %w", id, err)
	}
	return nil
}

// checkTerminal loads an enrolled terminal whose token carries version
// and key.
func checkTerminal(ctx context.Context, q queryer, id, version int64, key string) (Terminal, error) {
	tm, err := getTerminal(ctx, q, id)
	if errors.Is(err, ErrNotFound) || (err == nil && (!tm.Enrolled || tm.TokenVersion != version || tm.TokenKey != key)) {
		return Terminal{}, ErrUnknownTerminal
	}
	return tm, err
}

// SignInWithPIN signs the user with pin in on a terminal and returns the
// user and the terminal's new session: every staff token issued on it
// before stops working. A wrong PIN counts against the terminal: after
// PINFailures in a row it refuses PINs for a minute, then two, four and so
// on (up to 30). It returns ErrUnknownTerminal, ErrBadCredentials for a
// wrong PIN, or a *LockedError.
func (s *Store) SignInWithPIN(ctx context.Context, terminalID, version int64, key, pin string) (User, int64, error) {
	var u User
	var session int64
	var wrong bool
	var locked *LockedError
	err := s.write(ctx, func(t *txn) error {
		wrong, locked = false, nil
		tm, err := checkTerminal(ctx, t.tx, terminalID, version, key)
		if err != nil {
			return err
		}
		if tm.LockedUntil != nil && tm.LockedUntil.After(t.now) {
			locked = &LockedError{Until: *tm.LockedUntil}
			return nil
		}
		u, err = scanUser(t.tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE pin_hash = ? AND active = 1", s.pinHash(pin)))
		if errors.Is(err, sql.ErrNoRows) || !pinPattern.MatchString(pin) {
			// The failure is committed although the sign-in fails: the
			// count must survive the request.
			wrong = true
			var failures, lockouts int64
			if err := t.tx.QueryRowContext(ctx, "UPDATE terminals SET failures = failures + 1 WHERE id = ? RETURNING failures, lockouts",
				terminalID).Scan(&failures, &lockouts); err != nil {
				return err
			}
			if failures < PINFailures {
				return nil
			}
			until := t.now.Add(min(pinLockBase<<min(lockouts, 10), pinLockMax))
			locked = &LockedError{Until: until}
			_, err := t.tx.ExecContext(ctx, "UPDATE terminals SET failures = 0, lockouts = lockouts + 1, locked_until = ? WHERE id = ?", ms(until), terminalID)
			return err
		}
		if err != nil {
			return err
		}
		if err := t.tx.QueryRowContext(ctx, `UPDATE terminals SET failures = 0, lockouts = 0, locked_until = NULL,
			session = session + 1, session_user_id = ? WHERE id = ? RETURNING session`, u.ID, terminalID).Scan(&session); err != nil {
			return err
		}
		t.ctx = WithActor(ctx, Actor{Kind: ActorUser, ID: u.ID, Name: u.Username})
		return t.audit(change{action: "terminal.sign_in", entity: "terminal", entityID: terminalID, detail: map[string]string{"terminal": tm.Name}})
	})
	switch {
	case err != nil:
		return User{}, 0, fmt.Errorf("store: sign in with pin: %w", err)
	case locked != nil:
		return User{}, 0, fmt.Errorf("store: sign in with pin: %w", locked)
	case wrong:
		return User{}, 0, fmt.Errorf("store: sign in with pin: %w", ErrBadCredentials)
	}
	return u, session, nil
}

// LockTerminal ends the session on a terminal: every staff token issued on
// it stops working until the next PIN. It returns ErrUnknownTerminal.
func (s *Store) LockTerminal(ctx context.Context, terminalID, version int64, key string) error {
	err := s.write(ctx, func(t *txn) error {
		tm, err := checkTerminal(ctx, t.tx, terminalID, version, key)
		if err != nil {
			return err
		}
		if tm.SignedIn == nil {
			return nil // already locked: nothing changes, nothing to record
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE terminals SET session = session + 1, session_user_id = NULL WHERE id = ?", terminalID); err != nil {
			return err
		}
		t.ctx = WithActor(ctx, Actor{Kind: ActorUser, ID: tm.SignedIn.ID, Name: tm.SignedIn.Username})
		return t.audit(change{action: "terminal.lock", entity: "terminal", entityID: terminalID, detail: map[string]string{"terminal": tm.Name}})
	})
	if err != nil {
		return fmt.Errorf("store: lock terminal %d: %w", terminalID, err)
	}
	return nil
}
