package store

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

// TestKDSStationsSetting: a new box's kitchen display shows the kitchen's
// station (drinks belong to the bar's screen); the admin may choose others
// or none (every station); bad lists are refused naming the field and
// change nothing.
func TestKDSStationsSetting(t *testing.T) {
	s, _, _ := openTest(t, Options{})
	ctx := context.Background()
	st, err := s.Settings(ctx)
	if err != nil || !reflect.DeepEqual(st.KDSStations, []string{"kitchen"}) {
		t.Fatalf("Settings().KDSStations = %q, %v; want [kitchen]", st.KDSStations, err)
	}
	for _, want := range [][]string{{"kitchen", "grill"}, {}} {
		v := want
		got, err := s.UpdateSettings(ctx, SettingsPatch{KDSStations: &v})
		if err != nil || !reflect.DeepEqual(got.KDSStations, want) {
			t.Fatalf("UpdateSettings(kds_stations %q) = %q, %v", want, got.KDSStations, err)
		}
		if again, _ := s.Settings(ctx); !reflect.DeepEqual(again.KDSStations, want) {
			t.Errorf("Settings() after the update = %q; want %q", again.KDSStations, want)
		}
	}
	long := make([]string, 21)
	for i := range long {
		long[i] = string(rune('a' + i))
	}
	for _, bad := range [][]string{{"grill", "Grill"}, {""}, {" bar"}, {"a\nb"}, {"abcdefghijklmnopqrstuvwxyz0123456"}, long} {
		v := bad
		_, err := s.UpdateSettings(ctx, SettingsPatch{KDSStations: &v})
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("UpdateSettings(kds_stations %q) err = %v; want a validation error", bad, err)
			continue
		}
		named := false
		for f := range ve.Fields {
			named = named || f == "kds_stations" || len(f) > len("kds_stations") && f[:len("kds_stations[")] == "kds_stations["
		}
		if !named {
			t.Errorf("UpdateSettings(kds_stations %q) fields = %v; want kds_stations named", bad, ve.Fields)
		}
	}
	if st, _ := s.Settings(ctx); len(st.KDSStations) != 0 {
		t.Errorf("a refused list changed the setting to %q", st.KDSStations)
	}
}

// TestKDSStationsMigration: a box upgraded with stations of its own (a
// grill, a pastry corner) keeps every one of them but the bar on its
// default kitchen display, so no screen goes blank after the upgrade.
func TestKDSStationsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rms.db")
	s, err := Open(ctx, path, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	cat := "Mains"
	c, err := s.CreateCategory(ctx, CategoryInput{Name: &cat})
	if err != nil {
		t.Fatal(err)
	}
	for i, station := range []string{"Grill", "Bar", "pastry", "kitchen", "grill"} {
		name, price, st := string(rune('A'+i))+" dish", int64(100), station
		if _, err := s.CreateItem(ctx, ItemInput{CategoryID: &c.ID, Name: &name, PriceCents: &price, Station: &st}); err != nil {
			t.Fatal(err)
		}
	}
	// Back to before 0060, as the box was before the upgrade.
	for _, q := range []string{"ALTER TABLE settings DROP COLUMN kds_stations", "DELETE FROM schema_migrations WHERE version = 60"} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	s, err = Open(ctx, path, Options{BcryptCost: 4})
	if err != nil {
		t.Fatalf("Open(upgraded) err = %v", err)
	}
	defer s.Close()
	st, err := s.Settings(ctx)
	if want := []string{"grill", "kitchen", "pastry"}; err != nil || !reflect.DeepEqual(st.KDSStations, want) {
		t.Errorf("KDSStations after the upgrade = %q, %v; want %q", st.KDSStations, err, want)
	}
}
