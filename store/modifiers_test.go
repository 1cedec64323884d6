package store

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// optionsMenu is a steak with a required doneness and up to two extras
// (bacon sold out), and a coffee whose milk group the steak does not offer.
type optionsMenu struct {
	s                              *Store
	table, steak, coffee, category int64
	doneness, extras, milk         ModifierGroup
	rare, medRare, cheese, bacon   int64
	truffle, oat                   int64
}

func newOptionsMenu(t *testing.T, opts Options) *optionsMenu {
	t.Helper()
	ctx := context.Background()
	s, tableID, _ := openTest(t, opts)
	m := &optionsMenu{s: s, table: tableID}
	var err error
	m.doneness, err = s.CreateModifierGroup(ctx, ModifierGroupInput{Name: ptr("Doneness"), Min: ptr[int64](1), Max: ptr[int64](1),
		Options:      &[]ModifierOptionInput{{Name: "Rare"}, {Name: "Medium rare", Default: true}, {Name: "Well done"}},
		Translations: &Translations{"de": {Name: "Garstufe"}}})
	if err != nil {
		t.Fatalf("CreateModifierGroup(doneness) err = %v", err)
	}
	m.extras, err = s.CreateModifierGroup(ctx, ModifierGroupInput{Name: ptr("Extras"), Min: ptr[int64](0), Max: ptr[int64](2),
		Options: &[]ModifierOptionInput{{Name: "Extra cheese", PriceDeltaCents: 150, Translations: Translations{"de": {Name: "Extra Käse"}}},
			{Name: "Bacon", PriceDeltaCents: 200, Available: ptr(false)}, {Name: "Truffle", PriceDeltaCents: 400}, {Name: "No nuts", Allergy: true}}})
	if err != nil {
		t.Fatalf("CreateModifierGroup(extras) err = %v", err)
	}
	m.milk, err = s.CreateModifierGroup(ctx, ModifierGroupInput{Name: ptr("Milk"), Max: ptr[int64](1),
		Options: &[]ModifierOptionInput{{Name: "Oat milk", PriceDeltaCents: 30}}})
	if err != nil {
		t.Fatalf("CreateModifierGroup(milk) err = %v", err)
	}
	m.rare, m.medRare = m.doneness.Options[0].ID, m.doneness.Options[1].ID
	m.cheese, m.bacon, m.truffle = m.extras.Options[0].ID, m.extras.Options[1].ID, m.extras.Options[2].ID
	m.oat = m.milk.Options[0].ID
	cat, err := s.CreateCategory(ctx, CategoryInput{Name: ptr("Grill")})
	if err != nil {
		t.Fatalf("CreateCategory() err = %v", err)
	}
	m.category = cat.ID
	steak, err := s.CreateItem(ctx, ItemInput{CategoryID: &cat.ID, Name: ptr("Steak"), PriceCents: ptr[int64](2600),
		ModifierGroupIDs: &[]int64{m.doneness.ID, m.extras.ID}, Translations: &Translations{"de": {Name: "Rindersteak"}}})
	if err != nil {
		t.Fatalf("CreateItem(steak) err = %v", err)
	}
	coffee, err := s.CreateItem(ctx, ItemInput{CategoryID: &cat.ID, Name: ptr("Coffee"), PriceCents: ptr[int64](250),
		ModifierGroupIDs: &[]int64{m.milk.ID}})
	if err != nil {
		t.Fatalf("CreateItem(coffee) err = %v", err)
	}
	m.steak, m.coffee = steak.ID, coffee.ID
	return m
}

func choices(ids ...int64) []NewModifier {
	out := []NewModifier{}
	for _, id := range ids {
		out = append(out, NewModifier{OptionID: id})
	}
	return out
}

func TestOrderModifierRules(t *testing.T) {
	m := newOptionsMenu(t, Options{})
	ctx := context.Background()
	tests := []struct {
		name      string
		mods      []NewModifier
		wantField string // a *ValidationError naming it
		wantConfl string // an ErrConflict whose message holds it
		wantPrice int64
		wantNames []string
	}{
		{"one doneness and an extra", choices(m.rare, m.cheese), "", "", 2750, []string{"Rare", "Extra cheese"}},
		{"choices in any order come out in the menu's", choices(m.truffle, m.cheese, m.rare), "", "", 3150, []string{"Rare", "Extra cheese", "Truffle"}},
		{"left out: the defaults", nil, "", "", 2600, []string{"Medium rare"}},
		{"empty: a required group unanswered", choices(), "items[0].modifiers", "", 0, nil},
		{"two of pick-one", choices(m.rare, m.medRare), "items[0].modifiers", "", 0, nil},
		{"three of at most two", choices(m.rare, m.cheese, m.truffle, m.extras.Options[3].ID), "items[0].modifiers", "", 0, nil},
		{"an option of a group the item lacks", choices(m.rare, m.oat), "items[0].modifiers", "", 0, nil},
		{"no such option", choices(m.rare, 99999), "items[0].modifiers", "", 0, nil},
		{"the same option twice", choices(m.rare, m.cheese, m.cheese), "items[0].modifiers", "", 0, nil},
		{"a sold-out option", choices(m.rare, m.bacon), "", "Bacon", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := NewOrder{TableID: m.table, Items: []NewOrderItem{{MenuItemID: m.steak, Quantity: 2, Modifiers: tt.mods}}}
			o, _, err := m.s.CreateOrder(ctx, in, RoleWaiter, Idempotency{})
			var ve *ValidationError
			switch {
			case tt.wantField != "":
				if !errors.As(err, &ve) || ve.Fields[tt.wantField] == "" {
					t.Fatalf("CreateOrder(%v) err = %v; want a validation error naming %s", tt.mods, err, tt.wantField)
				}
				return
			case tt.wantConfl != "":
				if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), tt.wantConfl) {
					t.Fatalf("CreateOrder(%v) err = %v; want a conflict naming %s", tt.mods, err, tt.wantConfl)
				}
				return
			case err != nil:
				t.Fatalf("CreateOrder(%v) err = %v; want nil", tt.mods, err)
			}
			line := o.Items[0]
			var names []string
			for _, mod := range line.Modifiers {
				names = append(names, mod.Name)
			}
			if line.UnitPriceCents != tt.wantPrice || o.SubtotalCents != 2*tt.wantPrice || !reflect.DeepEqual(names, tt.wantNames) {
				t.Errorf("CreateOrder(%v) line = %+v, subtotal %d; want unit price %d, choices %v", tt.mods, line, o.SubtotalCents, tt.wantPrice, tt.wantNames)
			}
			stored, err := m.s.Order(ctx, o.ID)
			if err != nil || !reflect.DeepEqual(stored.Items, o.Items) {
				t.Errorf("Order(%d) = %+v, %v; want the lines as created %+v", o.ID, stored.Items, err, o.Items)
			}
		})
	}
}

func TestModifiersCopiedAtOrderTime(t *testing.T) {
	m := newOptionsMenu(t, Options{})
	ctx := context.Background()
	o, _, err := m.s.CreateOrder(ctx, NewOrder{TableID: m.table, Items: []NewOrderItem{
		{MenuItemID: m.steak, Quantity: 1, Modifiers: choices(m.medRare, m.cheese, m.extras.Options[3].ID)}}}, RoleWaiter, Idempotency{})
	if err != nil {
		t.Fatalf("CreateOrder() err = %v", err)
	}
	want := []OrderModifier{{OptionID: m.medRare, Group: "Doneness", Name: "Medium rare"},
		{OptionID: m.cheese, Group: "Extras", Name: "Extra cheese", PriceDeltaCents: 150},
		{OptionID: m.extras.Options[3].ID, Group: "Extras", Name: "No nuts", Allergy: true}}
	// The menu changes afterwards: a new price, a new name, the group gone.
	opts := []ModifierOptionInput{{ID: m.cheese, Name: "Cheddar", PriceDeltaCents: 300}}
	if _, err := m.s.UpdateModifierGroup(ctx, m.extras.ID, ModifierGroupInput{Options: &opts}); err != nil {
		t.Fatalf("UpdateModifierGroup() err = %v", err)
	}
	if err := m.s.DeleteModifierGroup(ctx, m.doneness.ID); err != nil {
		t.Fatalf("DeleteModifierGroup() err = %v", err)
	}
	got, err := m.s.Order(ctx, o.ID)
	if err != nil {
		t.Fatalf("Order() err = %v", err)
	}
	if !reflect.DeepEqual(got.Items[0].Modifiers, want) || got.Items[0].UnitPriceCents != 2750 {
		t.Errorf("order line after menu edits = %+v; want %+v at 2750", got.Items[0], want)
	}
	it, err := m.s.Item(ctx, m.steak)
	if err != nil || !reflect.DeepEqual(it.ModifierGroupIDs, []int64{m.extras.ID}) || it.ModifierGroups[0].Options[0].Name != "Cheddar" {
		t.Errorf("Item(steak) = %+v, %v; want only the extras group, with Cheddar", it, err)
	}
}

func TestModifierGroupValidation(t *testing.T) {
	m := newOptionsMenu(t, Options{})
	ctx := context.Background()
	opts := func(names ...string) *[]ModifierOptionInput {
		out := []ModifierOptionInput{}
		for _, n := range names {
			out = append(out, ModifierOptionInput{Name: n})
		}
		return &out
	}
	tests := []struct {
		name  string
		in    ModifierGroupInput
		field string
	}{
		{"no name", ModifierGroupInput{Options: opts("a")}, "name"},
		{"no options", ModifierGroupInput{Name: ptr("G")}, "options"},
		{"empty options", ModifierGroupInput{Name: ptr("G"), Options: opts()}, "options"},
		{"min over max", ModifierGroupInput{Name: ptr("G"), Min: ptr[int64](2), Max: ptr[int64](1), Options: opts("a", "b")}, "min"},
		{"min over the options", ModifierGroupInput{Name: ptr("G"), Min: ptr[int64](3), Max: ptr[int64](3), Options: opts("a", "b")}, "min"},
		{"max zero", ModifierGroupInput{Name: ptr("G"), Max: ptr[int64](0), Options: opts("a")}, "max"},
		{"two options of one name", ModifierGroupInput{Name: ptr("G"), Max: ptr[int64](2), Options: opts("Rare", "rare")}, "options[1].name"},
		{"more defaults than max", ModifierGroupInput{Name: ptr("G"), Max: ptr[int64](1),
			Options: &[]ModifierOptionInput{{Name: "a", Default: true}, {Name: "b", Default: true}}}, "options"},
		{"an id on a new group's option", ModifierGroupInput{Name: ptr("G"), Options: &[]ModifierOptionInput{{ID: m.rare, Name: "a"}}}, "options[0].id"},
		{"a bad translation code", ModifierGroupInput{Name: ptr("G"), Options: opts("a"), Translations: &Translations{"deutsch": {Name: "x"}}}, "translations"},
		{"a price beyond bounds", ModifierGroupInput{Name: ptr("G"), Options: &[]ModifierOptionInput{{Name: "a", PriceDeltaCents: MaxPriceCents + 1}}}, "options[0].price_delta_cents"},
	}
	for _, tt := range tests {
		_, err := m.s.CreateModifierGroup(ctx, tt.in)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields[tt.field] == "" {
			t.Errorf("CreateModifierGroup(%s) err = %v; want a validation error naming %s", tt.name, err, tt.field)
		}
	}
	// An option id of another group cannot be moved in by a patch.
	_, err := m.s.UpdateModifierGroup(ctx, m.extras.ID, ModifierGroupInput{Options: &[]ModifierOptionInput{{ID: m.rare, Name: "Rare"}}})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["options[0].id"] == "" {
		t.Errorf("UpdateModifierGroup(an option of another group) err = %v; want a validation error naming options[0].id", err)
	}
	if _, err := m.s.UpdateModifierGroup(ctx, 9999, ModifierGroupInput{Name: ptr("x")}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateModifierGroup(9999) err = %v; want ErrNotFound", err)
	}
	if _, err := m.s.UpdateItem(ctx, m.steak, ItemInput{ModifierGroupIDs: &[]int64{9999}}); !errors.As(err, &ve) || ve.Fields["modifier_group_ids"] == "" {
		t.Errorf("UpdateItem(an unknown group) err = %v; want a validation error naming modifier_group_ids", err)
	}
	if _, err := m.s.UpdateItem(ctx, m.steak, ItemInput{ModifierGroupIDs: &[]int64{m.milk.ID, m.milk.ID}}); !errors.As(err, &ve) {
		t.Errorf("UpdateItem(a group twice) err = %v; want a validation error", err)
	}
	// Patching options keeps ids and availability, reorders, removes.
	g, err := m.s.UpdateModifierGroup(ctx, m.extras.ID, ModifierGroupInput{Options: &[]ModifierOptionInput{
		{ID: m.bacon, Name: "Bacon", PriceDeltaCents: 250}, {Name: "Egg", PriceDeltaCents: 100}, {ID: m.cheese, Name: "Extra cheese", PriceDeltaCents: 150}}})
	if err != nil {
		t.Fatalf("UpdateModifierGroup() err = %v", err)
	}
	if len(g.Options) != 3 || g.Options[0].ID != m.bacon || g.Options[0].Available || g.Options[0].PriceDeltaCents != 250 ||
		g.Options[1].ID == 0 || g.Options[1].Name != "Egg" || !g.Options[1].Available || g.Options[2].ID != m.cheese {
		t.Errorf("UpdateModifierGroup(reordered) = %+v; want bacon (still sold out), a new egg, cheese", g.Options)
	}
}

func TestOptionAvailabilityPushesEveryItem(t *testing.T) {
	var mu sync.Mutex
	var events []Event
	m := newOptionsMenu(t, Options{})
	m.s.OnCommit(func(evs []Event) {
		mu.Lock()
		events = append(events, evs...)
		mu.Unlock()
	})
	ctx := context.Background()
	// A second item shares the extras group.
	burger, err := m.s.CreateItem(ctx, ItemInput{CategoryID: &m.category, Name: ptr("Burger"), PriceCents: ptr[int64](1500), ModifierGroupIDs: &[]int64{m.extras.ID}})
	if err != nil {
		t.Fatalf("CreateItem() err = %v", err)
	}
	mu.Lock()
	events = nil
	mu.Unlock()
	g, err := m.s.SetModifierOptionAvailable(ctx, m.cheese, false)
	if err != nil || g.ID != m.extras.ID || g.Options[0].Available {
		t.Fatalf("SetModifierOptionAvailable() = %+v, %v; want the extras with cheese sold out", g, err)
	}
	mu.Lock()
	defer mu.Unlock()
	got := map[int64]bool{}
	for _, e := range events {
		if e.Name != "menu:updated" || !reflect.DeepEqual(e.Rooms, []string{RoomMenu}) {
			t.Errorf("event %s to %v; want menu:updated to menu", e.Name, e.Rooms)
		}
		var it Item
		if err := json.Unmarshal(e.Data, &it); err != nil {
			t.Fatal(err)
		}
		if it.ModifierGroups[len(it.ModifierGroups)-1].Options[0].Available {
			t.Errorf("menu:updated of %s shows the cheese still available", it.Name)
		}
		got[it.ID] = true
	}
	if len(events) != 2 || !got[m.steak] || !got[burger.ID] {
		t.Errorf("86ing an option pushed %d events for %v; want the steak and the burger", len(events), got)
	}
	if _, err := m.s.SetModifierOptionAvailable(ctx, 99999, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetModifierOptionAvailable(99999) err = %v; want ErrNotFound", err)
	}
}

func TestMenuLanguages(t *testing.T) {
	m := newOptionsMenu(t, Options{})
	ctx := context.Background()
	if _, err := m.s.UpdateSettings(ctx, SettingsPatch{Languages: &[]string{"en", "de"}}); err != nil {
		t.Fatalf("UpdateSettings() err = %v", err)
	}
	tests := []struct {
		lang, want, steak, group, option, cheese string
	}{
		{"de", "de", "Rindersteak", "Garstufe", "Rare", "Extra Käse"}, // Rare has no German: the kitchen's
		{"", "en", "Steak", "Doneness", "Rare", "Extra cheese"},
		{"fr", "en", "Steak", "Doneness", "Rare", "Extra cheese"}, // not a language of the restaurant
	}
	for _, tt := range tests {
		v, _, err := m.s.Menu(ctx, tt.lang)
		if err != nil {
			t.Fatalf("Menu(%q) err = %v", tt.lang, err)
		}
		steak := v.Categories[1].Items[0]
		if v.Lang != tt.want || steak.Name != tt.steak || steak.ModifierGroups[0].Name != tt.group ||
			steak.ModifierGroups[0].Options[0].Name != tt.option || steak.ModifierGroups[1].Options[0].Name != tt.cheese {
			t.Errorf("Menu(%q) = lang %s, %+v; want %s: %s, %s, %s, %s", tt.lang, v.Lang, steak, tt.want, tt.steak, tt.group, tt.option, tt.cheese)
		}
		if steak.Translations["de"].Name != "Rindersteak" {
			t.Errorf("Menu(%q) steak translations = %v; want them kept for the client", tt.lang, steak.Translations)
		}
	}
	// Orders are in the kitchen's language whatever the guest reads.
	o, _, err := m.s.CreateOrder(ctx, NewOrder{TableID: m.table, Items: []NewOrderItem{{MenuItemID: m.steak, Quantity: 1, Modifiers: choices(m.rare, m.cheese)}}}, RoleWaiter, Idempotency{})
	if err != nil || o.Items[0].Name != "Steak" || o.Items[0].Modifiers[1].Name != "Extra cheese" || o.Items[0].Modifiers[1].Group != "Extras" {
		t.Errorf("CreateOrder() = %+v, %v; want names in English", o.Items, err)
	}
}

func TestHours(t *testing.T) {
	lunch := []Hours{{Days: []int{1, 2, 3, 4, 5}, From: "11:30", To: "15:00"}}
	bar := []Hours{{Days: []int{5, 6}, From: "18:00", To: "02:00"}}
	rome, _ := time.LoadLocation("Europe/Rome")
	at := func(day, clock string) time.Time { // 2026-12-07 is a Monday
		t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, rome)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		name  string
		hs    []Hours
		t     time.Time
		open  bool
		next  string // the next opening, "" for none
		nextD int
	}{
		{"no hours: always", nil, at("2026-12-07", "03:00"), true, "", 0},
		{"monday lunch", lunch, at("2026-12-07", "12:00"), true, "11:30", 2},
		{"monday before lunch", lunch, at("2026-12-07", "11:29"), false, "11:30", 1},
		{"the closing minute", lunch, at("2026-12-07", "15:00"), false, "11:30", 2},
		{"saturday", lunch, at("2026-12-12", "12:00"), false, "11:30", 1},
		{"friday night", bar, at("2026-12-11", "23:00"), true, "18:00", 6},
		{"after midnight into saturday", bar, at("2026-12-12", "01:59"), true, "18:00", 6},
		{"sunday small hours, from saturday", bar, at("2026-12-13", "01:00"), true, "18:00", 5},
		{"sunday after two", bar, at("2026-12-13", "02:00"), false, "18:00", 5},
		{"thursday night", bar, at("2026-12-10", "23:00"), false, "18:00", 5},
	}
	for _, tt := range tests {
		if got := openAt(tt.hs, tt.t); got != tt.open {
			t.Errorf("openAt(%s) = %v; want %v", tt.name, got, tt.open)
		}
		n := nextOpen(tt.hs, tt.t)
		if (n == nil) != (tt.next == "") || (n != nil && (n.From != tt.next || n.Day != tt.nextD || !n.At.After(tt.t))) {
			t.Errorf("nextOpen(%s) = %+v; want %s on day %d", tt.name, n, tt.next, tt.nextD)
		}
	}
	c := checker{}
	c.hours("hours", []Hours{{Days: []int{0}, From: "25:00", To: "12:00"}, {Days: []int{1, 1}, From: "10:00", To: "10:00"}, {From: "9:00", To: "10:00"}})
	for _, f := range []string{"hours[0].days", "hours[0].from", "hours[1].days", "hours[1].to", "hours[2].days", "hours[2].from"} {
		if c[f] == "" {
			t.Errorf("hours check = %v; want %s named", c, f)
		}
	}
}

func TestGuestsOrderOnlyInHours(t *testing.T) {
	// Monday 2026-12-07 10:00 in Rome.
	rome, _ := time.LoadLocation("Europe/Rome")
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, rome)
	m := newOptionsMenu(t, Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	if _, err := m.s.UpdateSettings(ctx, SettingsPatch{Timezone: ptr("Europe/Rome")}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.s.UpdateCategory(ctx, m.category, CategoryInput{Hours: &[]Hours{{Days: []int{1, 2, 3, 4, 5, 6, 7}, From: "18:00", To: "23:00"}}}); err != nil {
		t.Fatalf("UpdateCategory(hours) err = %v", err)
	}
	line := []NewOrderItem{{MenuItemID: m.coffee, Quantity: 1}}
	if _, _, err := m.s.CreateOrder(ctx, NewOrder{TableID: m.table, Items: line}, RoleCustomer, Idempotency{}); !errors.Is(err, ErrConflict) ||
		!strings.Contains(err.Error(), "not available at this time: Coffee") {
		t.Errorf("a guest's order at 10:00 of an evening menu err = %v; want a conflict: not available at this time", err)
	}
	if _, _, err := m.s.CreateOrder(ctx, NewOrder{TableID: m.table, Items: line}, RoleWaiter, Idempotency{}); err != nil {
		t.Errorf("staff entering it at 10:00 err = %v; want nil", err)
	}
	v, _, err := m.s.Menu(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	grill := v.Categories[1]
	if grill.OpenNow || grill.NextOpen == nil || grill.NextOpen.From != "18:00" || grill.NextOpen.Day != 1 || v.ChangesAt == nil ||
		!v.ChangesAt.Equal(time.Date(2026, 12, 7, 18, 0, 0, 0, rome)) || !v.Categories[0].OpenNow {
		t.Errorf("Menu() at 10:00 = %+v, changes at %v; want the grill closed until 18:00 today, Mains open", grill.Category, v.ChangesAt)
	}
	now = time.Date(2026, 12, 7, 19, 0, 0, 0, rome)
	if _, _, err := m.s.CreateOrder(ctx, NewOrder{TableID: m.table, Items: line}, RoleCustomer, Idempotency{}); err != nil {
		t.Errorf("a guest's order at 19:00 err = %v; want nil", err)
	}
}

func TestReportCountsOptions(t *testing.T) {
	m := newOptionsMenu(t, Options{})
	ctx := context.Background()
	for _, lines := range [][]NewOrderItem{
		{{MenuItemID: m.steak, Quantity: 2, Modifiers: choices(m.rare, m.cheese)}, {MenuItemID: m.steak, Quantity: 1}},
		{{MenuItemID: m.steak, Quantity: 1, Modifiers: choices(m.rare, m.cheese, m.truffle)}},
	} {
		if _, _, err := m.s.CreateOrder(ctx, NewOrder{TableID: m.table, Items: lines}, RoleWaiter, Idempotency{}); err != nil {
			t.Fatalf("CreateOrder() err = %v", err)
		}
	}
	r, err := m.s.DailyReport(ctx, time.Now().UTC().Format("2006-01-02"))
	if err != nil {
		t.Fatalf("DailyReport() err = %v", err)
	}
	want := []ReportOption{
		{m.rare, "Doneness", "Rare", 3, 0},
		{m.medRare, "Doneness", "Medium rare", 1, 0},
		{m.cheese, "Extras", "Extra cheese", 3, 450},
		{m.truffle, "Extras", "Truffle", 1, 400},
	}
	if !reflect.DeepEqual(r.ByOption, want) {
		t.Errorf("DailyReport().ByOption = %+v; want %+v", r.ByOption, want)
	}
}

func TestItemImages(t *testing.T) {
	m := newOptionsMenu(t, Options{})
	ctx := context.Background()
	p := Photo{Full: []byte("full-a"), Thumb: []byte("thumb-a"), FullW: 2, FullH: 1, ThumbW: 1, ThumbH: 1}
	it, err := m.s.SetItemImage(ctx, m.steak, p)
	if err != nil || it.ImageURL == nil || *it.ImageURL != "/images/"+ImageHash(p.Full)+".jpg" || *it.ThumbURL != "/images/"+ImageHash(p.Thumb)+".jpg" {
		t.Fatalf("SetItemImage() = %+v, %v; want content-addressed URLs", it, err)
	}
	// The coffee shows the same picture: stored once.
	if _, err := m.s.SetItemImage(ctx, m.coffee, p); err != nil {
		t.Fatal(err)
	}
	if got, err := m.s.Image(ctx, ImageHash(p.Full)); err != nil || string(got) != "full-a" {
		t.Errorf("Image() = %q, %v; want full-a", got, err)
	}
	// Replacing the steak's keeps the coffee's; deleting the coffee's drops it.
	p2 := Photo{Full: []byte("full-b"), Thumb: []byte("thumb-b")}
	if _, err := m.s.SetItemImage(ctx, m.steak, p2); err != nil {
		t.Fatal(err)
	}
	if _, err := m.s.Image(ctx, ImageHash(p.Full)); err != nil {
		t.Errorf("Image(shared) after one item replaced it err = %v; want it kept", err)
	}
	it, err = m.s.DeleteItemImage(ctx, m.coffee)
	if err != nil || it.ImageURL != nil || it.ThumbURL != nil {
		t.Errorf("DeleteItemImage() = %+v, %v; want no URLs", it, err)
	}
	if _, err := m.s.Image(ctx, ImageHash(p.Full)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Image(unused) err = %v; want ErrNotFound", err)
	}
	if _, err := m.s.SetItemImage(ctx, 9999, p); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetItemImage(9999) err = %v; want ErrNotFound", err)
	}
}
