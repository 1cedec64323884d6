package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Roles a token can carry. Staff users are admin, waiter or chef; customer
// is a paired table.
const (
	RoleAdmin    = "admin"
	RoleWaiter   = "waiter"
	RoleChef     = "chef"
	RoleCustomer = "customer"
)

// User is a staff account. The password hash never leaves the store.
type User struct {
	ID        int64     `json:"id"`
	Username  string    `json:"username"`
	Role      string    `json:"role"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	// HasPIN tells whether the user may sign in on a terminal with a PIN;
	// the PIN itself never leaves the store.
	HasPIN bool `json:"has_pin"`
	// TokenVersion must match the version in the user's tokens.
	TokenVersion int64 `json:"-"`
	// TokenKey is the user's random key that its tokens carry: no later
	// user inherits it, even with the same id (empty for users created
	// before keys existed).
	TokenKey string `json:"-"`
}

// NewUser is the input of CreateUser.
type NewUser struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// UserPatch changes the fields that are not nil; Password resets it.
type UserPatch struct {
	Username *string `json:"username"`
	Role     *string `json:"role"`
	Active   *bool   `json:"active"`
	Password *string `json:"password"`
	// Pin sets the 4 to 6 digit PIN for terminals; "" removes it.
	Pin *string `json:"pin"`
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,50}$`)

func (c checker) username(v string) {
	if !usernamePattern.MatchString(v) {
		c.add("username", "must be 1 to 50 letters, digits, dots, dashes or underscores")
	}
}

// maxPasswordBytes is all of a password bcrypt reads; it refuses to hash a
// longer one.
const maxPasswordBytes = 72

func (c checker) password(v string) {
	c.text("password", v, 6, maxPasswordBytes, false)
	if len(v) > maxPasswordBytes {
		c.add("password", fmt.Sprintf("must be at most %d bytes", maxPasswordBytes))
	}
}

func (c checker) role(v string) {
	c.oneOf("role", v, RoleAdmin, RoleWaiter, RoleChef)
}

const userColumns = "id, username, role, active, created_at, token_version, token_key, pin_hash IS NOT NULL"

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var created int64
	err := row.Scan(&u.ID, &u.Username, &u.Role, &u.Active, &created, &u.TokenVersion, &u.TokenKey, &u.HasPIN)
	u.CreatedAt = fromMS(created)
	return u, err
}

// CreateUser adds a staff account. It returns a *ValidationError for bad
// input and an ErrConflict when the username is taken.
func (s *Store) CreateUser(ctx context.Context, in NewUser) (User, error) {
	c := checker{}
	c.username(in.Username)
	c.role(in.Role)
	c.password(in.Password)
	if err := c.err(); err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	// Hash before taking the writer lock: bcrypt is slow on purpose.
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.bcryptCost)
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	var u User
	err = s.write(ctx, func(t *txn) error {
		if err := usernameFree(t, in.Username, 0); err != nil {
			return err
		}
		res, err := t.tx.ExecContext(ctx, "INSERT INTO users (username, role, password_hash, active, created_at, token_key) VALUES (?, ?, ?, 1, ?, ?)",
			in.Username, in.Role, string(hash), ms(t.now), newTokenKey())
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		if u, err = scanUser(t.tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id)); err != nil {
			return err
		}
		return t.audit(change{action: "user.create", entity: "user", entityID: id, detail: map[string]string{"username": u.Username, "role": u.Role}})
	})
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return u, nil
}

func usernameFree(t *txn, name string, except int64) error {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM users WHERE username = ? AND id != ?", name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return conflictf("the username %q is taken", name)
	}
	return nil
}

// Users lists every staff account by username.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	users := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	return users, nil
}

// User returns one account, or ErrNotFound.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.userByID.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user %d: %w", id, err)
	}
	return u, nil
}

// CountUsers returns how many staff accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// UpdateUser applies p. It returns ErrNotFound, a *ValidationError, or an
// ErrConflict for a taken username or for leaving the box without an
// active admin.
func (s *Store) UpdateUser(ctx context.Context, id int64, p UserPatch) (User, error) {
	c := checker{}
	if p.Username != nil {
		c.username(*p.Username)
	}
	if p.Role != nil {
		c.role(*p.Role)
	}
	var hash []byte
	if p.Password != nil {
		c.password(*p.Password)
		if c.err() == nil {
			var err error
			if hash, err = bcrypt.GenerateFromPassword([]byte(*p.Password), s.bcryptCost); err != nil {
				return User{}, fmt.Errorf("store: update user: %w", err)
			}
		}
	}
	if p.Pin != nil && *p.Pin != "" {
		c.pin(*p.Pin)
	}
	if err := c.err(); err != nil {
		return User{}, fmt.Errorf("store: update user: %w", err)
	}
	var u User
	err := s.write(ctx, func(t *txn) error {
		var err error
		u, err = scanUser(t.tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		wasActiveAdmin := u.Active && u.Role == RoleAdmin
		wasActive := u.Active
		if p.Username != nil {
			if err := usernameFree(t, *p.Username, id); err != nil {
				return err
			}
			u.Username = *p.Username
		}
		if p.Role != nil {
			u.Role = *p.Role
		}
		if p.Active != nil {
			u.Active = *p.Active
		}
		if wasActiveAdmin && !(u.Active && u.Role == RoleAdmin) {
			if err := keepOneAdmin(t, id); err != nil {
				return err
			}
		}
		if err := t.setPIN(&u, p.Pin); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, "UPDATE users SET username = ?, role = ?, active = ? WHERE id = ?",
			u.Username, u.Role, boolInt(u.Active), id); err != nil {
			return err
		}
		if hash != nil {
			if _, err := t.tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", string(hash), id); err != nil {
				return err
			}
		}
		if hash != nil || (wasActive && !u.Active) {
			// A reset password or a deactivation ends every token issued
			// before it, also for when the user is brought back.
			u.TokenVersion++
			if _, err := t.tx.ExecContext(ctx, "UPDATE users SET token_version = ? WHERE id = ?", u.TokenVersion, id); err != nil {
				return err
			}
		}
		// The audit shows what changed, never a password or a PIN.
		detail := map[string]any{}
		if p.Username != nil {
			detail["username"] = u.Username
		}
		if p.Role != nil {
			detail["role"] = u.Role
		}
		if p.Active != nil {
			detail["active"] = u.Active
		}
		if p.Password != nil {
			detail["password"] = "reset"
		}
		if p.Pin != nil {
			detail["pin"] = map[bool]string{true: "set", false: "removed"}[*p.Pin != ""]
		}
		return t.audit(change{action: "user.update", entity: "user", entityID: id, detail: detail})
	})
	if err != nil {
		return User{}, fmt.Errorf("store: update user %d: %w", id, err)
	}
	return u, nil
}

func keepOneAdmin(t *txn, leaving int64) error {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND id != ?", leaving).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return conflictf("the last active admin must stay an active admin")
	}
	return nil
}

// DeleteUser removes an account. It returns ErrNotFound, or an ErrConflict
// when it is the last active admin.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	err := s.write(ctx, func(t *txn) error {
		u, err := scanUser(t.tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if u.Active && u.Role == RoleAdmin {
			if err := keepOneAdmin(t, id); err != nil {
				return err
			}
		}
		if _, err = t.tx.ExecContext(ctx, "DELETE FROM users WHERE id = ?", id); err != nil {
			return err
		}
		return t.audit(change{action: "user.delete", entity: "user", entityID: id, detail: map[string]string{"username": u.Username}})
	})
	if err != nil {
		return fmt.Errorf("store: delete user %d: %w", id, err)
	}
	return nil
}

// dummyHash keeps the time of a login for an unknown username close to
// that of a known one.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password of anyone"), 10)

// Authenticate checks a username and password and returns the active user,
// or ErrBadCredentials.
func (s *Store) Authenticate(ctx context.Context, username, password string) (User, error) {
	if len(password) > maxPasswordBytes {
		// bcrypt would compare only the first 72 bytes; no password is
		// longer, so this one is wrong, not a match on its prefix.
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password[:maxPasswordBytes]))
		return User{}, fmt.Errorf("store: authenticate: %w", ErrBadCredentials)
	}
	var hash string
	var u User
	var created int64
	err := s.r.QueryRowContext(ctx, "SELECT id, username, role, active, created_at, token_version, token_key, pin_hash IS NOT NULL, password_hash FROM users WHERE username = ?", username).
		Scan(&u.ID, &u.Username, &u.Role, &u.Active, &created, &u.TokenVersion, &u.TokenKey, &u.HasPIN, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, fmt.Errorf("store: authenticate: %w", ErrBadCredentials)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: authenticate: %w", err)
	}
	u.CreatedAt = fromMS(created)
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || !u.Active {
		return User{}, fmt.Errorf("store: authenticate: %w", ErrBadCredentials)
	}
	return u, nil
}
