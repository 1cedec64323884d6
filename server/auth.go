package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"rms/store"
)

const issuer = "rms"

// Principal is the caller behind a valid token.
type Principal struct {
	Role      string
	UserID    int64
	Username  string
	TableID   int64
	ExpiresAt time.Time
	// TerminalID is the shared terminal a PIN sign-in happened on (0: a
	// password sign-in); Session is the terminal's session it belongs to.
	TerminalID int64
	Session    int64
}

// actor is who the principal is in the audit log.
func (p Principal) actor() store.Actor {
	if p.Role == store.RoleCustomer {
		return store.Actor{Kind: store.ActorTable, ID: p.TableID}
	}
	return store.Actor{Kind: store.ActorUser, ID: p.UserID, Name: p.Username}
}

type claims struct {
	Role    string `json:"role"`
	TableID int64  `json:"table_id,omitempty"`
	Version int64  `json:"ver,omitempty"`
	// Key is the random key of the user or table the token was issued
	// for: a later row with the same id has another, so the token is
	// worthless for it.
	Key string `json:"key,omitempty"`
	// Terminal and Session tie a PIN sign-in to its terminal's session;
	// the next lock or sign-in there ends it.
	Terminal int64 `json:"term,omitempty"`
	Session  int64 `json:"tsv,omitempty"`
	jwt.RegisteredClaims
}

var errBadToken = errors.New("the token is invalid, expired or revoked")

func (s *Server) sign(c claims, ttl time.Duration) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(ttl).Truncate(time.Second)
	c.Issuer = issuer
	c.IssuedAt = jwt.NewNumericDate(now)
	c.ExpiresAt = jwt.NewNumericDate(exp)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.opts.Secret)
	return tok, exp.UTC(), err
}

func (s *Server) staffToken(u store.User) (string, time.Time, error) {
	return s.terminalStaffToken(u, 0, 0)
}

// terminalStaffToken is a staff token tied to a terminal's session (none
// when terminal is 0).
func (s *Server) terminalStaffToken(u store.User, terminal, session int64) (string, time.Time, error) {
	return s.sign(claims{Role: u.Role, Version: u.TokenVersion, Key: u.TokenKey, Terminal: terminal, Session: session,
		RegisteredClaims: jwt.RegisteredClaims{Subject: strconv.FormatInt(u.ID, 10)}}, s.opts.StaffTokenTTL)
}

func (s *Server) customerToken(tableID int64, t store.TableToken) (string, time.Time, error) {
	return s.sign(claims{Role: store.RoleCustomer, TableID: tableID, Version: t.Version, Key: t.Key}, s.opts.CustomerTokenTTL)
}

// authenticate verifies a raw JWT and that what it names still holds: the
// user exists and is active (its current role counts, not the token's), or
// the table was not paired again since. It returns errBadToken otherwise.
func (s *Server) authenticate(ctx context.Context, raw string) (Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return s.opts.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return Principal{}, errBadToken
	}
	p := Principal{Role: c.Role, ExpiresAt: c.ExpiresAt.Time.UTC()}
	if c.Role == store.RoleCustomer {
		tok, err := s.store.TableToken(ctx, c.TableID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (tok.Version != c.Version || tok.Key != c.Key)) {
			return Principal{}, errBadToken
		}
		if err != nil {
			return Principal{}, err
		}
		p.TableID = c.TableID
		return p, nil
	}
	if c.Role == roleTerminal {
		// A terminal token vouches for a device in X-Terminal; its subject
		// is a terminal, never a user.
		return Principal{}, errBadToken
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil {
		return Principal{}, errBadToken
	}
	u, err := s.store.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!u.Active || u.TokenVersion != c.Version || u.TokenKey != c.Key)) {
		return Principal{}, errBadToken
	}
	if err != nil {
		return Principal{}, err
	}
	p.UserID, p.Username, p.Role = u.ID, u.Username, u.Role
	if c.Terminal != 0 {
		tm, err := s.store.Terminal(ctx, c.Terminal)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (tm.Session != c.Session || tm.SignedIn == nil || tm.SignedIn.ID != u.ID)) {
			return Principal{}, errBadToken
		}
		if err != nil {
			return Principal{}, err
		}
		p.TerminalID, p.Session = c.Terminal, c.Session
	}
	return p, nil
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// allow is the middleware of every authenticated route: a valid bearer
// token (401 otherwise) whose role is one of roles (403 otherwise).
func (s *Server) allow(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			raw := bearer(c.Request())
			if raw == "" {
				return unauthorized("an Authorization: Bearer token is required")
			}
			p, err := s.authenticate(c.Request().Context(), raw)
			if errors.Is(err, errBadToken) {
				return unauthorized(err.Error())
			}
			if err != nil {
				return err
			}
			for _, r := range roles {
				if r == p.Role {
					c.Set("principal", p)
					// Every write made for this request records its author.
					c.SetRequest(c.Request().WithContext(store.WithActor(c.Request().Context(), p.actor())))
					return next(c)
				}
			}
			return forbidden("a " + p.Role + " may not do this")
		}
	}
}

func principal(c echo.Context) Principal {
	p, _ := c.Get("principal").(Principal)
	return p
}

// Login limits within the limiter's window (5 minutes).
const (
	loginFailuresPerUser    = 10 // from one address, for one username: then 429
	loginFailuresPerAddress = 20 // from one address, any usernames: then 429
	loginSlowAfter          = 10 // failures of one username from anywhere before answers slow down
)

// loginSlowdown is how long a wrong password's answer is held back once
// its username has failed n times in the window from anywhere: from half
// a second, doubling, to at most 5 s. Only failures wait, so the right
// password is answered at once wherever it comes from, and each guess
// ties up its sender for the time.
func loginSlowdown(n int) time.Duration {
	if n <= loginSlowAfter {
		return 0
	}
	if n-loginSlowAfter > 4 {
		return 5 * time.Second
	}
	return min(500*time.Millisecond<<(n-loginSlowAfter-1), 5*time.Second)
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type tokenResponse struct {
	Token     string     `json:"token"`
	ExpiresAt time.Time  `json:"expires_at"`
	User      *userBrief `json:"user,omitempty"`
}

type userBrief struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Role     string `json:"role"`
}

func (s *Server) handleLogin(c echo.Context) error {
	var req loginRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	for name, v := range map[string]string{"username": req.Username, "password": req.Password} {
		switch {
		case v == "":
			fields[name] = "is required"
		case len(v) > 200:
			fields[name] = "must be at most 200 characters"
		}
	}
	if len(fields) > 0 {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: "username and password are required", Fields: fields}
	}
	// Locks are per (address, username) and per address: a stranger's
	// wrong passwords must not lock the real admin out from elsewhere. A
	// username guessed at from many addresses is slowed down instead.
	name := strings.ToLower(req.Username)
	pairKey, ipKey, userKey := "login:"+c.RealIP()+"|"+name, "ip:"+c.RealIP(), "user:"+name
	if wait := s.loginLimit.attempt(keyLimit{pairKey, loginFailuresPerUser}, keyLimit{ipKey, loginFailuresPerAddress}); wait > 0 {
		return rateLimited(c, wait)
	}
	u, err := s.store.Authenticate(c.Request().Context(), req.Username, req.Password)
	if errors.Is(err, store.ErrBadCredentials) {
		if d := loginSlowdown(s.loginLimit.fail(userKey)); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-c.Request().Context().Done():
				t.Stop()
			}
		}
		return unauthorized("wrong username or password")
	}
	s.loginLimit.forgive(ipKey)
	if err != nil {
		s.loginLimit.forgive(pairKey)
		return err
	}
	s.loginLimit.reset(pairKey)
	tok, exp, err := s.staffToken(u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenResponse{Token: tok, ExpiresAt: exp, User: &userBrief{ID: u.ID, Username: u.Username, Role: u.Role}})
}

func (s *Server) handleMe(c echo.Context) error {
	p := principal(c)
	if p.Role == store.RoleCustomer {
		return c.JSON(http.StatusOK, map[string]any{"role": p.Role, "table_id": p.TableID})
	}
	me := map[string]any{"role": p.Role, "user": userBrief{ID: p.UserID, Username: p.Username, Role: p.Role}}
	if p.TerminalID != 0 {
		me["terminal_id"] = p.TerminalID
	}
	return c.JSON(http.StatusOK, me)
}

func (s *Server) handleRefresh(c echo.Context) error {
	p := principal(c)
	u, err := s.store.User(c.Request().Context(), p.UserID)
	if err != nil {
		return err
	}
	// A terminal's token stays tied to its session: refreshing must not
	// outlive the next lock.
	tok, exp, err := s.terminalStaffToken(u, p.TerminalID, p.Session)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenResponse{Token: tok, ExpiresAt: exp})
}
