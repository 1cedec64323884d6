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
	it, de            string // the description in Italian and German
}

// demoCategories carry their names in the demo's other languages.
var demoCategoryNames = map[string][2]string{
	"Antipasti": {"Antipasti", "Vorspeisen"},
	"Primi":     {"Primi", "Pasta & Risotto"},
	"Secondi":   {"Secondi", "Hauptgerichte"},
	"Dolci":     {"Dolci", "Desserts"},
	"Bevande":   {"Bevande", "Getränke"},
}

var demoMenu = []struct {
	category string
	items    []demoItem
}{
	{"Antipasti", []demoItem{
		{"Bruschetta al pomodoro", "Grilled bread, tomatoes, basil, garlic", 750, []string{"gluten"}, "kitchen",
			"Pane grigliato, pomodori, basilico, aglio", "Geröstetes Brot, Tomaten, Basilikum, Knoblauch"},
		{"Burrata", "Apulian burrata, cherry tomatoes, olive oil", 1250, []string{"milk"}, "kitchen",
			"Burrata pugliese, pomodorini, olio d'oliva", "Apulische Burrata, Kirschtomaten, Olivenöl"},
		{"Carpaccio di manzo", "Raw beef, rocket, parmesan shavings", 1400, []string{"milk"}, "kitchen",
			"Manzo crudo, rucola, scaglie di parmigiano", "Rohes Rindfleisch, Rucola, Parmesanspäne"},
		{"Fritto misto", "Squid, prawns and courgette, lemon aioli", 1350, []string{"gluten", "crustaceans", "molluscs", "eggs"}, "kitchen",
			"Calamari, gamberi e zucchine, aioli al limone", "Tintenfisch, Garnelen und Zucchini, Zitronen-Aioli"},
		{"Olive all'ascolana", "Stuffed fried olives", 650, []string{"gluten", "eggs", "milk"}, "kitchen",
			"Olive ripiene fritte", "Gefüllte frittierte Oliven"},
	}},
	{"Primi", []demoItem{
		{"Spaghetti carbonara", "Guanciale, egg yolk, pecorino, black pepper", 1450, []string{"gluten", "eggs", "milk"}, "kitchen",
			"Guanciale, tuorlo d'uovo, pecorino, pepe nero", "Guanciale, Eigelb, Pecorino, schwarzer Pfeffer"},
		{"Tagliatelle al ragù", "Slow-cooked beef and pork ragù", 1500, []string{"gluten", "eggs", "celery"}, "kitchen",
			"Ragù di manzo e maiale cotto a lungo", "Langsam geschmortes Ragù von Rind und Schwein"},
		{"Risotto ai funghi", "Porcini, parmesan, butter", 1600, []string{"milk"}, "kitchen",
			"Porcini, parmigiano, burro", "Steinpilze, Parmesan, Butter"},
		{"Linguine alle vongole", "Clams, garlic, chilli, parsley", 1700, []string{"gluten", "molluscs"}, "kitchen",
			"Vongole, aglio, peperoncino, prezzemolo", "Venusmuscheln, Knoblauch, Chili, Petersilie"},
		{"Gnocchi al pesto", "Potato gnocchi, basil pesto, pine nuts", 1350, []string{"gluten", "milk", "nuts"}, "kitchen",
			"Gnocchi di patate, pesto al basilico, pinoli", "Kartoffelgnocchi, Basilikumpesto, Pinienkerne"},
	}},
	{"Secondi", []demoItem{
		{"Pollo alla cacciatora", "Braised chicken, tomatoes, olives, rosemary", 1800, []string{"celery"}, "kitchen",
			"Pollo brasato, pomodori, olive, rosmarino", "Geschmortes Huhn, Tomaten, Oliven, Rosmarin"},
		{"Saltimbocca alla romana", "Veal, prosciutto, sage, white wine", 2200, []string{"milk"}, "kitchen",
			"Vitello, prosciutto, salvia, vino bianco", "Kalb, Schinken, Salbei, Weißwein"},
		{"Branzino al forno", "Baked sea bass, potatoes, cherry tomatoes", 2400, []string{"fish"}, "kitchen",
			"Branzino al forno, patate, pomodorini", "Gebackener Wolfsbarsch, Kartoffeln, Kirschtomaten"},
		{"Tagliata di manzo", "Sliced sirloin steak, rocket, parmesan", 2600, []string{"milk"}, "kitchen",
			"Controfiletto a fette, rucola, parmigiano", "Geschnittenes Rindersteak, Rucola, Parmesan"},
		{"Melanzane alla parmigiana", "Aubergine, tomato, mozzarella, parmesan", 1500, []string{"milk"}, "kitchen",
			"Melanzane, pomodoro, mozzarella, parmigiano", "Aubergine, Tomate, Mozzarella, Parmesan"},
	}},
	{"Dolci", []demoItem{
		{"Tiramisù", "Mascarpone, coffee, savoiardi", 750, []string{"gluten", "eggs", "milk"}, "kitchen",
			"Mascarpone, caffè, savoiardi", "Mascarpone, Kaffee, Löffelbiskuits"},
		{"Panna cotta", "Vanilla cream, berry coulis", 650, []string{"milk"}, "kitchen",
			"Crema alla vaniglia, coulis di frutti di bosco", "Vanillecreme, Beerensauce"},
		{"Cannoli siciliani", "Ricotta, candied orange, pistachio", 700, []string{"gluten", "milk", "nuts"}, "kitchen",
			"Ricotta, arancia candita, pistacchio", "Ricotta, kandierte Orange, Pistazie"},
		{"Affogato", "Vanilla gelato drowned in espresso", 550, []string{"milk"}, "bar",
			"Gelato alla vaniglia affogato nell'espresso", "Vanilleeis in Espresso"},
		{"Sorbetto al limone", "Amalfi lemon sorbet", 500, []string{}, "bar",
			"Sorbetto al limone di Amalfi", "Sorbet von Amalfi-Zitronen"},
	}},
	{"Bevande", []demoItem{
		{"Acqua minerale", "Still or sparkling, 75 cl", 350, []string{}, "bar",
			"Naturale o frizzante, 75 cl", "Still oder sprudelnd, 75 cl"},
		{"Chianti Classico", "Glass of red, Tuscany", 700, []string{"sulphites"}, "bar",
			"Calice di rosso, Toscana", "Glas Rotwein, Toskana"},
		{"Aperol spritz", "Aperol, prosecco, soda", 850, []string{"sulphites"}, "bar",
			"Aperol, prosecco, soda", "Aperol, Prosecco, Soda"},
		{"Birra Moretti", "Lager, 33 cl", 550, []string{"gluten"}, "bar",
			"Birra chiara, 33 cl", "Helles Bier, 33 cl"},
		{"Espresso", "Single shot", 250, []string{}, "bar",
			"Tazzina singola", "Einfacher Espresso"},
	}},
}

type demoOption struct {
	name, it, de  string
	delta         int64
	dflt, allergy bool
}

// demoGroups are the demo's modifier groups and the dishes that use them.
// Every required group has a default, so an order that leaves modifiers
// out (an older client) still goes through.
var demoGroups = []struct {
	name, it, de string
	min, max     int64
	options      []demoOption
	items        []string
}{
	{"Doneness", "Cottura", "Garstufe", 1, 1, []demoOption{
		{"Rare", "Al sangue", "Blutig", 0, false, false},
		{"Medium rare", "Media al sangue", "Medium rare", 0, true, false},
		{"Medium", "Media", "Medium", 0, false, false},
		{"Well done", "Ben cotta", "Durchgebraten", 0, false, false},
	}, []string{"Tagliata di manzo"}},
	{"Extras", "Aggiunte", "Extras", 0, 3, []demoOption{
		{"Extra cheese", "Formaggio extra", "Extra Käse", 150, false, false},
		{"Truffle shavings", "Scaglie di tartufo", "Trüffelspäne", 400, false, false},
		{"Roast potatoes", "Patate al forno", "Ofenkartoffeln", 350, false, false},
	}, []string{"Tagliata di manzo", "Saltimbocca alla romana", "Pollo alla cacciatora"}},
	{"Pasta", "Pasta", "Pasta", 0, 1, []demoOption{
		{"Gluten-free pasta", "Pasta senza glutine", "Glutenfreie Pasta", 200, false, true},
	}, []string{"Spaghetti carbonara", "Tagliatelle al ragù", "Linguine alle vongole"}},
	{"Allergies", "Allergie", "Allergien", 0, 2, []demoOption{
		{"No nuts", "Senza frutta a guscio", "Ohne Nüsse", 0, false, true},
		{"No dairy", "Senza latticini", "Ohne Milchprodukte", 0, false, true},
	}, []string{"Gnocchi al pesto", "Cannoli siciliani"}},
	{"Water", "Acqua", "Wasser", 1, 1, []demoOption{
		{"Still", "Naturale", "Still", 0, true, false},
		{"Sparkling", "Frizzante", "Sprudelnd", 0, false, false},
	}, []string{"Acqua minerale"}},
	{"Milk", "Latte", "Milch", 0, 1, []demoOption{
		{"A drop of milk", "Macchiato", "Mit einem Schuss Milch", 0, false, false},
		{"Oat milk", "Latte d'avena", "Hafermilch", 30, false, false},
	}, []string{"Espresso", "Affogato"}},
}

// SeedDemo fills an empty database with a believable restaurant: staff of
// every role, a dozen tables in two sections and a menu of 25 items in
// five categories on two stations, in English, Italian and German, with
// modifier groups (a steak's doneness, extras, "no nuts"). Photos are not
// the store's business: the photo package draws them. It returns the
// logins it created, or
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
	langs := []string{"en", "it", "de"}
	if _, err := s.UpdateSettings(ctx, SettingsPatch{RestaurantName: &name, Currency: &currency, TaxRateBP: &rate, PricesIncludeTax: &included, Timezone: &tz,
		Languages: &langs}); err != nil {
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
	groupsOf := map[string][]int64{}
	for _, g := range demoGroups {
		opts := make([]ModifierOptionInput, len(g.options))
		for i, o := range g.options {
			opts[i] = ModifierOptionInput{Name: o.name, PriceDeltaCents: o.delta, Default: o.dflt, Allergy: o.allergy,
				Translations: Translations{"it": {Name: o.it}, "de": {Name: o.de}}}
		}
		tr := Translations{"it": {Name: g.it}, "de": {Name: g.de}}
		grp, err := s.CreateModifierGroup(ctx, ModifierGroupInput{Name: &g.name, Min: &g.min, Max: &g.max, Options: &opts, Translations: &tr})
		if err != nil {
			return nil, err
		}
		for _, item := range g.items {
			groupsOf[item] = append(groupsOf[item], grp.ID)
		}
	}
	for ci, c := range demoMenu {
		course := int64(ci + 1)
		if ci >= len(courses) {
			course = 0
		}
		names := demoCategoryNames[c.category]
		tr := Translations{"it": {Name: names[0]}, "de": {Name: names[1]}}
		cat, err := s.CreateCategory(ctx, CategoryInput{Name: &c.category, Translations: &tr})
		if err != nil {
			return nil, err
		}
		for _, it := range c.items {
			it := it
			tr := Translations{"it": {Description: it.it}, "de": {Description: it.de}}
			groups := groupsOf[it.name]
			if groups == nil {
				groups = []int64{}
			}
			if _, err := s.CreateItem(ctx, ItemInput{CategoryID: &cat.ID, Name: &it.name, Description: &it.description,
				PriceCents: &it.price, Allergens: &it.allergens, Station: &it.station, Course: &course, Translations: &tr, ModifierGroupIDs: &groups}); err != nil {
				return nil, err
			}
		}
	}
	return logins, nil
}
