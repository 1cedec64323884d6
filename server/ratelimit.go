package server

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// limiter counts failures per key in a fixed window that starts with the
// first failure: enough to stop guessing, cheap, and bounded in memory.
type limiter struct {
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]*window
}

type window struct {
	start    time.Time
	failures int
}

// maxLimiterKeys bounds memory under a flood of distinct keys.
const maxLimiterKeys = 100_000

func newLimiter(w time.Duration, now func() time.Time) *limiter {
	return &limiter{window: w, now: now, entries: make(map[string]*window)}
}

// keyLimit is one key of an attempt and the failures it may have.
type keyLimit struct {
	key   string
	limit int
}

// attempt counts one attempt as a failure of every key, unless one of them
// already has its limit of failures in its window: then it counts nothing
// and returns how long to wait. Counting before the attempt rather than
// after it fails keeps guesses sent all at once to the limit too; a caller
// whose attempt succeeds takes it back with forgive or reset.
func (l *limiter) attempt(keys ...keyLimit) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		wait = max(wait, l.blockedLocked(k.key, k.limit, now))
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		l.failLocked(k.key, now)
	}
	return 0
}

// blockedLocked returns how long key must wait when it has reached limit
// failures in its window, or 0.
func (l *limiter) blockedLocked(key string, limit int, now time.Time) time.Duration {
	e, ok := l.entries[key]
	if !ok {
		return 0
	}
	left := l.window - now.Sub(e.start)
	if left <= 0 {
		delete(l.entries, key)
		return 0
	}
	if e.failures < limit {
		return 0
	}
	return left
}

func (l *limiter) failLocked(key string, now time.Time) {
	e, ok := l.entries[key]
	if !ok || now.Sub(e.start) >= l.window {
		if len(l.entries) >= maxLimiterKeys {
			l.sweepLocked(now)
		}
		e = &window{start: now}
		l.entries[key] = e
	}
	e.failures++
}

// fail counts one failure of key and returns the failures in its window.
func (l *limiter) fail(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked(key, l.now())
	return l.entries[key].failures
}

// forgive takes back one failure of key: the attempt it counted succeeded.
func (l *limiter) forgive(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.entries[key]; ok && e.failures > 0 {
		e.failures--
	}
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

func (l *limiter) sweepLocked(now time.Time) {
	for k, e := range l.entries {
		if now.Sub(e.start) >= l.window {
			delete(l.entries, k)
		}
	}
	if len(l.entries) >= maxLimiterKeys {
		// Still full of live windows: forget them all rather than grow.
		l.entries = make(map[string]*window)
	}
}

func rateLimited(c echo.Context, wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	c.Set("retry_after", strconv.Itoa(secs))
	return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: "too many failed attempts; try again in " + strconv.Itoa(secs) + " seconds"}
}
