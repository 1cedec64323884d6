package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Hours is one window in which a category is served, in the restaurant's
// local time: on each of Days (1 Monday .. 7 Sunday) from From to To
// ("HH:MM"). A window whose To is not after its From runs past midnight
// into the next day (a bar menu from 18:00 to 02:00).
type Hours struct {
	Days []int  `json:"days"`
	From string `json:"from"`
	To   string `json:"to"`
}

// NextOpen says when a closed category is next served: Day (1..7) and From
// in local time, and At, the same moment in UTC.
type NextOpen struct {
	Day  int       `json:"day"`
	From string    `json:"from"`
	At   time.Time `json:"at"`
}

// maxHours bounds the windows of one category.
const maxHours = 21

// clock parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func clock(v string) (int, bool) {
	var h, m int
	if len(v) != 5 || v[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(v, "%02d:%02d", &h, &m); err != nil {
		return 0, false
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

func (c checker) hours(field string, hs []Hours) {
	if len(hs) > maxHours {
		c.add(field, fmt.Sprintf("must have at most %d windows", maxHours))
		return
	}
	for i, h := range hs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if len(h.Days) == 0 || len(h.Days) > 7 {
			c.add(f+".days", "must list 1 to 7 days (1 is Monday, 7 Sunday)")
		}
		seen := map[int]bool{}
		for _, d := range h.Days {
			if d < 1 || d > 7 || seen[d] {
				c.add(f+".days", "must list days 1 to 7 (1 is Monday), each once")
				break
			}
			seen[d] = true
		}
		from, okFrom := clock(h.From)
		to, okTo := clock(h.To)
		if !okFrom {
			c.add(f+".from", "must be a time as HH:MM")
		}
		if !okTo {
			c.add(f+".to", "must be a time as HH:MM")
		}
		if okFrom && okTo && from == to {
			c.add(f+".to", "must differ from from")
		}
	}
}

func encodeHours(hs []Hours) string {
	if hs == nil {
		hs = []Hours{}
	}
	b, _ := json.Marshal(hs)
	return string(b)
}

func decodeHours(col string) ([]Hours, error) {
	var hs []Hours
	if err := json.Unmarshal([]byte(col), &hs); err != nil {
		return nil, fmt.Errorf("hours: %w", err)
	}
	if hs == nil {
		hs = []Hours{}
	}
	return hs, nil
}

// isoDay is t's weekday with Monday 1 and Sunday 7.
func isoDay(t time.Time) int {
	d := int(t.Weekday())
	if d == 0 {
		return 7
	}
	return d
}

// openAt tells whether a category with hours hs is served at t (already
// in the restaurant's location). No hours means always.
func openAt(hs []Hours, t time.Time) bool {
	if len(hs) == 0 {
		return true
	}
	day, now := isoDay(t), t.Hour()*60+t.Minute()
	yesterday := day - 1
	if yesterday == 0 {
		yesterday = 7
	}
	for _, h := range hs {
		from, _ := clock(h.From)
		to, _ := clock(h.To)
		for _, d := range h.Days {
			if to > from {
				if d == day && now >= from && now < to {
					return true
				}
				continue
			}
			// Past midnight: the evening of d, and the small hours of d+1.
			if (d == day && now >= from) || (d == yesterday && now < to) {
				return true
			}
		}
	}
	return false
}

// boundary is an instant a window of day starts (or ends).
type boundary struct {
	at   time.Time
	day  int
	from string
}

// windowBoundaries returns every start (and, with ends, end) of a window
// from the day before t to a week after, as instants.
func windowBoundaries(hs []Hours, t time.Time, ends bool) []boundary {
	var out []boundary
	y, m, d := t.Date()
	// From yesterday: a window past midnight may end this morning.
	for k := -1; k <= 7; k++ {
		date := time.Date(y, m, d+k, 0, 0, 0, 0, t.Location())
		day := isoDay(date)
		for _, h := range hs {
			for _, hd := range h.Days {
				if hd != day {
					continue
				}
				from, _ := clock(h.From)
				at := time.Date(y, m, d+k, from/60, from%60, 0, 0, t.Location())
				out = append(out, boundary{at, day, h.From})
				if ends {
					to, _ := clock(h.To)
					end := time.Date(y, m, d+k, to/60, to%60, 0, 0, t.Location())
					if to <= from {
						end = time.Date(y, m, d+k+1, to/60, to%60, 0, 0, t.Location())
					}
					out = append(out, boundary{end, day, h.From})
				}
			}
		}
	}
	return out
}

// nextOpen is the next start of a window after t, or nil when hs is empty.
func nextOpen(hs []Hours, t time.Time) *NextOpen {
	var best *NextOpen
	for _, b := range windowBoundaries(hs, t, false) {
		if b.at.After(t) && (best == nil || b.at.Before(best.At)) {
			best = &NextOpen{Day: b.day, From: b.from, At: b.at.UTC()}
		}
	}
	return best
}

// nextChange is the first instant after t at which a window starts or
// ends, when the category's open_now may flip; zero when it never does.
func nextChange(hs []Hours, t time.Time) time.Time {
	var best time.Time
	for _, b := range windowBoundaries(hs, t, true) {
		if b.at.After(t) && (best.IsZero() || b.at.Before(best)) {
			best = b.at
		}
	}
	return best
}

// menuClock tells, inside one order's transaction, whether a category is
// served now; it reads the settings and each category's hours once.
type menuClock struct {
	t     *txn
	now   time.Time
	hours map[int64][]Hours
}

func (m *menuClock) open(categoryID int64) (bool, error) {
	if m.hours == nil {
		st, err := getSettings(m.t.ctx, m.t.tx)
		if err != nil {
			return false, err
		}
		m.now, m.hours = m.t.now.In(st.Location()), map[int64][]Hours{}
	}
	hs, ok := m.hours[categoryID]
	if !ok {
		var col string
		if err := m.t.tx.QueryRowContext(m.t.ctx, "SELECT hours FROM categories WHERE id = ?", categoryID).Scan(&col); err != nil {
			return false, err
		}
		var err error
		if hs, err = decodeHours(col); err != nil {
			return false, err
		}
		m.hours[categoryID] = hs
	}
	return openAt(hs, m.now), nil
}
