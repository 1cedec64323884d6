package store

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Settings are the restaurant-wide settings.
type Settings struct {
	RestaurantName    string `json:"restaurant_name"`
	Currency          string `json:"currency"`
	TaxRateBP         int64  `json:"tax_rate_bp"`
	PricesIncludeTax  bool   `json:"prices_include_tax"`
	AutoConfirmOrders bool   `json:"auto_confirm_orders"`
	Timezone          string `json:"timezone"`
	// Languages are the menu's languages (ISO 639-1); the first is the
	// kitchen's, in which orders, tickets and reports are written.
	Languages []string `json:"languages"`
	// Courses are the course names in order; a line's course is a 1-based
	// index into them.
	Courses []string `json:"courses"`
	// FireCourses holds courses after the first until staff fire them.
	FireCourses bool `json:"fire_courses"`
	// CorrectionReasons are offered for voids, comps and discounts.
	CorrectionReasons []string `json:"correction_reasons"`
	// TerminalLockSeconds is how long a shared terminal stays signed in
	// without a touch.
	TerminalLockSeconds int64 `json:"terminal_lock_seconds"`
	// PrintReceipts prints a receipt on the default receipt printer when a
	// bill is settled.
	PrintReceipts bool `json:"print_receipts"`
	// KDSStations are the stations the kitchen display shows when opened
	// without ?station= (empty: every station).
	KDSStations []string `json:"kds_stations"`
	// TableLimits bound what one table's iPad may order.
	TableLimits
}

// SettingsPatch changes the fields that are not nil.
type SettingsPatch struct {
	RestaurantName      *string   `json:"restaurant_name"`
	Currency            *string   `json:"currency"`
	TaxRateBP           *int64    `json:"tax_rate_bp"`
	PricesIncludeTax    *bool     `json:"prices_include_tax"`
	AutoConfirmOrders   *bool     `json:"auto_confirm_orders"`
	Timezone            *string   `json:"timezone"`
	Courses             *[]string `json:"courses"`
	FireCourses         *bool     `json:"fire_courses"`
	CorrectionReasons   *[]string `json:"correction_reasons"`
	TerminalLockSeconds *int64    `json:"terminal_lock_seconds"`
	PrintReceipts       *bool     `json:"print_receipts"`
	Languages           *[]string `json:"languages"`
	KDSStations         *[]string `json:"kds_stations"`
	TableLimitsPatch
}

// Limits of the service settings.
const (
	MaxCourses           = 9
	maxCorrectionReasons = 20
	maxKDSStations       = 20
)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Location is the settings' timezone, UTC if it cannot be loaded.
func (s Settings) Location() *time.Location {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func getSettings(ctx context.Context, q queryer) (Settings, error) {
	var st Settings
	var courses, reasons, langs, stations string
	err := q.QueryRowContext(ctx, `SELECT restaurant_name, currency, tax_rate_bp, prices_include_tax,
		auto_confirm_orders, timezone, print_receipts, courses, fire_courses, correction_reasons, terminal_lock_seconds, languages,
		kds_stations FROM settings WHERE id = 1`).Scan(
		&st.RestaurantName, &st.Currency, &st.TaxRateBP, &st.PricesIncludeTax, &st.AutoConfirmOrders, &st.Timezone, &st.PrintReceipts,
		&courses, &st.FireCourses, &reasons, &st.TerminalLockSeconds, &langs, &stations)
	if err != nil {
		return Settings{}, err
	}
	if err := json.Unmarshal([]byte(courses), &st.Courses); err != nil {
		return Settings{}, fmt.Errorf("settings courses: %w", err)
	}
	if err := json.Unmarshal([]byte(reasons), &st.CorrectionReasons); err != nil {
		return Settings{}, fmt.Errorf("settings correction reasons: %w", err)
	}
	if err := json.Unmarshal([]byte(stations), &st.KDSStations); err != nil {
		return Settings{}, fmt.Errorf("settings kds stations: %w", err)
	}
	if st.KDSStations == nil {
		st.KDSStations = []string{}
	}
	if st.Courses == nil {
		st.Courses = []string{}
	}
	if st.CorrectionReasons == nil {
		st.CorrectionReasons = []string{}
	}
	if err := json.Unmarshal([]byte(langs), &st.Languages); err != nil || len(st.Languages) == 0 {
		st.Languages = DefaultLanguages
	}
	st.TableLimits, err = getTableLimits(ctx, q)
	return st, err
}

// names checks a list of short names: at most max, each 1 to maxLen runes
// on one line, no two alike.
func (c checker) names(field string, v []string, minN, maxN, maxLen int) {
	if len(v) < minN || len(v) > maxN {
		c.add(field, fmt.Sprintf("must list %d to %d names", minN, maxN))
		return
	}
	seen := map[string]bool{}
	for i, n := range v {
		c.text(fmt.Sprintf("%s[%d]", field, i), n, 1, maxLen, false)
		if seen[strings.ToLower(n)] {
			c.add(field, "must not list a name twice")
		}
		seen[strings.ToLower(n)] = true
	}
}

// Settings returns the current settings.
func (s *Store) Settings(ctx context.Context) (Settings, error) {
	st, err := getSettings(ctx, s.r)
	if err != nil {
		return Settings{}, fmt.Errorf("store: settings: %w", err)
	}
	return st, nil
}

// UpdateSettings applies p and returns the new settings. It returns a
// *ValidationError for bad values and emits no event.
func (s *Store) UpdateSettings(ctx context.Context, p SettingsPatch) (Settings, error) {
	var st Settings
	err := s.write(ctx, func(t *txn) error {
		var err error
		if st, err = getSettings(ctx, t.tx); err != nil {
			return err
		}
		c := checker{}
		if p.RestaurantName != nil {
			c.text("restaurant_name", *p.RestaurantName, 1, 100, false)
			st.RestaurantName = *p.RestaurantName
		}
		if p.Currency != nil {
			if !currencyCode.MatchString(*p.Currency) {
				c.add("currency", "must be an ISO 4217 code such as EUR")
			}
			st.Currency = *p.Currency
		}
		if p.TaxRateBP != nil {
			c.between("tax_rate_bp", *p.TaxRateBP, 0, 10000)
			st.TaxRateBP = *p.TaxRateBP
		}
		if p.PricesIncludeTax != nil {
			st.PricesIncludeTax = *p.PricesIncludeTax
		}
		if p.AutoConfirmOrders != nil {
			st.AutoConfirmOrders = *p.AutoConfirmOrders
		}
		if p.Timezone != nil {
			c.text("timezone", *p.Timezone, 1, 64, false)
			if _, err := time.LoadLocation(*p.Timezone); err != nil || *p.Timezone == "" || *p.Timezone == "Local" {
				c.add("timezone", "must be an IANA time zone such as Europe/Rome")
			}
			st.Timezone = *p.Timezone
		}
		if err := t.applyTableLimits(p.TableLimitsPatch, &st.TableLimits, c); err != nil {
			return err
		}
		if p.Courses != nil {
			c.names("courses", *p.Courses, 1, MaxCourses, 30)
			st.Courses = append([]string{}, *p.Courses...)
		}
		if p.FireCourses != nil {
			st.FireCourses = *p.FireCourses
		}
		if p.CorrectionReasons != nil {
			c.names("correction_reasons", *p.CorrectionReasons, 0, maxCorrectionReasons, 60)
			st.CorrectionReasons = append([]string{}, *p.CorrectionReasons...)
		}
		if p.TerminalLockSeconds != nil {
			c.between("terminal_lock_seconds", *p.TerminalLockSeconds, 10, 3600)
			st.TerminalLockSeconds = *p.TerminalLockSeconds
		}
		if p.PrintReceipts != nil {
			st.PrintReceipts = *p.PrintReceipts
		}
		if p.Languages != nil {
			c.languages("languages", *p.Languages)
			st.Languages = append([]string{}, *p.Languages...)
		}
		if p.KDSStations != nil {
			// Names as a menu item's station is written; the display
			// compares them without regard to case.
			c.names("kds_stations", *p.KDSStations, 0, maxKDSStations, 30)
			for i, n := range *p.KDSStations {
				if strings.TrimSpace(n) != n {
					c.add(fmt.Sprintf("kds_stations[%d]", i), "must not start or end with spaces")
				}
			}
			st.KDSStations = append([]string{}, *p.KDSStations...)
		}
		if err := c.err(); err != nil {
			return err
		}
		courses, _ := json.Marshal(st.Courses)
		reasons, _ := json.Marshal(st.CorrectionReasons)
		langs, _ := json.Marshal(st.Languages)
		stations, _ := json.Marshal(st.KDSStations)
		_, err = t.tx.ExecContext(ctx, `UPDATE settings SET restaurant_name = ?, currency = ?, tax_rate_bp = ?,
			prices_include_tax = ?, auto_confirm_orders = ?, timezone = ?, print_receipts = ?, courses = ?, fire_courses = ?,
			correction_reasons = ?, terminal_lock_seconds = ?, languages = ?, kds_stations = ? WHERE id = 1`,
			st.RestaurantName, st.Currency, st.TaxRateBP, boolInt(st.PricesIncludeTax), boolInt(st.AutoConfirmOrders), st.Timezone,
			boolInt(st.PrintReceipts), string(courses), boolInt(st.FireCourses), string(reasons), st.TerminalLockSeconds, string(langs), string(stations))
		if err != nil {
			return err
		}
		return t.audit(change{action: "settings.update", entity: "settings", detail: p})
	})
	if err != nil {
		return Settings{}, fmt.Errorf("store: update settings: %w", err)
	}
	return st, nil
}
