package store

import (
	"context"
	"fmt"
)

// Login is a demo account printed at start.
type Login struct {
	Username string
	Password string
	Role     string
}

type demoItem struct {
	name, description string
	price             int64
	allergens         []string
	station           string
}

var demoMenu = []struct {
	category string
	items    []demoItem
}{
	{"Antipasti", []demoItem{
		{"Bruschetta al pomodoro", "Grilled bread, tomatoes, basil, garlic", 750, []string{"gluten"}, "kitchen"},
		{"Burrata", "Apulian burrata, cherry tomatoes, olive oil", 1250, []string{"milk"}, "kitchen"},
		{"Carpaccio di manzo", "Raw beef, rocket, parmesan shavings", 1400, []string{"milk"}, "kitchen"},
		{"Fritto misto", "Squid, prawns and courgette, lemon aioli", 1350, []string{"gluten", "crustaceans", "molluscs", "egg"}, "kitchen"},
		{"Olive all'ascolana", "Stuffed fried olives", 650, []string{"gluten", "egg", "milk"}, "kitchen"},
	}},
	{"Primi", []demoItem{
		{"Spaghetti carbonara", "Guanciale, egg yolk, pecorino, black pepper", 1450, []string{"gluten", "egg", "milk"}, "kitchen"},
		{"Tagliatelle al ragù", "Slow-cooked beef and pork ragù", 1500, []string{"gluten", "egg", "celery"}, "kitchen"},
		{"Risotto ai funghi", "Porcini, parmesan, butter", 1600, []string{"milk"}, "kitchen"},
		{"Linguine alle vongole", "Clams, garlic, chilli, parsley", 1700, []string{"gluten", "molluscs"}, "kitchen"},
		{"Gnocchi al pesto", "Potato gnocchi, basil pesto, pine nuts", 1350, []string{"gluten", "milk", "nuts"}, "kitchen"},
	}},
	{"Secondi", []demoItem{
		{"Pollo alla cacciatora", "Braised chicken, tomatoes, olives, rosemary", 1800, []string{"celery"}, "kitchen"},
		{"Saltimbocca alla romana", "Veal, prosciutto, sage, white wine", 2200, []string{"milk"}, "kitchen"},
		{"Branzino al forno", "Baked sea bass, potatoes, cherry tomatoes", 2400, []string{"fish"}, "kitchen"},
		{"Tagliata di manzo", "Sliced sirloin, rocket, parmesan", 2600, []string{"milk"}, "kitchen"},
		{"Melanzane alla parmigiana", "Aubergine, tomato, mozzarella, parmesan", 1500, []string{"milk"}, "kitchen"},
	}},
	{"Dolci", []demoItem{
		{"Tiramisù", "Mascarpone, coffee, savoiardi", 750, []string{"gluten", "egg", "milk"}, "kitchen"},
		{"Panna cotta", "Vanilla cream, berry coulis", 650, []string{"milk"}, "kitchen"},
		{"Cannoli siciliani", "Ricotta, candied orange, pistachio", 700, []string{"gluten", "milk", "nuts"}, "kitchen"},
		{"Affogato", "Vanilla gelato drowned in espresso", 550, []string{"milk"}, "bar"},
		{"Sorbetto al limone", "Amalfi lemon sorbet", 500, []string{}, "bar"},
	}},
	{"Bevande", []demoItem{
		{"Acqua minerale", "Still or sparkling, 75 cl", 350, []string{}, "bar"},
		{"Chianti Classico", "Glass of red, Tuscany", 700, []string{"sulphites"}, "bar"},
		{"Aperol spritz", "Aperol, prosecco, soda", 850, []string{"sulphites"}, "bar"},
		{"Birra Moretti", "Lager, 33 cl", 550, []string{"gluten"}, "bar"},
		{"Espresso", "Single shot", 250, []string{}, "bar"},
	}},
}

// SeedDemo fills an empty database with a believable restaurant: staff of
// every role, a dozen tables in two sections and a menu of 25 items in
// five categories on two stations. It returns the logins it created, or
// none when the database already had users, tables or a menu.
func (s *Store) SeedDemo(ctx context.Context) ([]Login, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM tables) + (SELECT count(*) FROM categories)").Scan(&n); err != nil {
		return nil, fmt.Errorf("store: seed demo: %w", err)
	}
	if n > 0 {
		return nil, nil
	}
	name, currency, tz := "Trattoria Demo", "EUR", "Europe/Rome"
	rate, included := int64(1000), true
	if _, err := s.UpdateSettings(ctx, SettingsPatch{RestaurantName: &name, Currency: &currency, TaxRateBP: &rate, PricesIncludeTax: &included, Timezone: &tz}); err != nil {
		return nil, err
	}
	logins := []Login{{"admin", "admin123", RoleAdmin}, {"ana", "waiter123", RoleWaiter}, {"marco", "chef123", RoleChef}}
	for _, l := range logins {
		if _, err := s.CreateUser(ctx, NewUser{Username: l.Username, Role: l.Role, Password: l.Password}); err != nil {
			return nil, err
		}
	}
	for i := 1; i <= 12; i++ {
		name, section, seats := fmt.Sprintf("T%d", i), "Dining room", int64(2+2*(i%3))
		if i > 8 {
			name, section, seats = fmt.Sprintf("P%d", i-8), "Terrace", 4
		}
		if _, err := s.CreateTable(ctx, TableInput{Name: &name, Seats: &seats, Section: &section}); err != nil {
			return nil, err
		}
	}
	// The menu's first four sections are its courses; drinks have none and
	// go at once.
	courses := []string{"Antipasti", "Primi", "Secondi", "Dolci"}
	if _, err := s.UpdateSettings(ctx, SettingsPatch{Courses: &courses}); err != nil {
		return nil, err
	}
	for ci, c := range demoMenu {
		course := int64(ci + 1)
		if ci >= len(courses) {
			course = 0
		}
		cat, err := s.CreateCategory(ctx, CategoryInput{Name: &c.category})
		if err != nil {
			return nil, err
		}
		for _, it := range c.items {
			it := it
			if _, err := s.CreateItem(ctx, ItemInput{CategoryID: &cat.ID, Name: &it.name, Description: &it.description,
				PriceCents: &it.price, Allergens: &it.allergens, Station: &it.station, Course: &course}); err != nil {
				return nil, err
			}
		}
	}
	return logins, nil
}
