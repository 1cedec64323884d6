package store

import (
	"context"
	"fmt"
	"regexp"
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
	TableLimits
}

// SettingsPatch changes the fields that are not nil.
type SettingsPatch struct {
	RestaurantName    *string `json:"restaurant_name"`
	Currency          *string `json:"currency"`
	TaxRateBP         *int64  `json:"tax_rate_bp"`
	PricesIncludeTax  *bool   `json:"prices_include_tax"`
	AutoConfirmOrders *bool   `json:"auto_confirm_orders"`
	Timezone          *string `json:"timezone"`
	TableLimitsPatch
}

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
	err := q.QueryRowContext(ctx, `SELECT restaurant_name, currency, tax_rate_bp, prices_include_tax,
		auto_confirm_orders, timezone FROM settings WHERE id = 1`).Scan(
		&st.RestaurantName, &st.Currency, &st.TaxRateBP, &st.PricesIncludeTax, &st.AutoConfirmOrders, &st.Timezone)
	if err != nil {
		return st, err
	}
	st.TableLimits, err = getTableLimits(ctx, q)
	return st, err
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
		if err := c.err(); err != nil {
			return err
		}
		_, err = t.tx.ExecContext(ctx, `UPDATE settings SET restaurant_name = ?, currency = ?, tax_rate_bp = ?,
			prices_include_tax = ?, auto_confirm_orders = ?, timezone = ? WHERE id = 1`,
			st.RestaurantName, st.Currency, st.TaxRateBP, boolInt(st.PricesIncludeTax), boolInt(st.AutoConfirmOrders), st.Timezone)
		return err
	})
	if err != nil {
		return Settings{}, fmt.Errorf("store: update settings: %w", err)
	}
	return st, nil
}
