package store

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestDemoAllergensAreTheEUList: the demo menu names its allergens exactly
// as the item form offers them, from the one list in web/lib/allergens.js
// (the EU's fourteen), so a manager editing a demo dish sees its boxes
// ticked and guests filter on one vocabulary.
func TestDemoAllergensAreTheEUList(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "web", "lib", "allergens.js"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)ALLERGENS = \[(.*?)\]`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("web/lib/allergens.js has no ALLERGENS = [...]")
	}
	var list []string
	for _, q := range regexp.MustCompile(`'([a-z]+)'`).FindAllSubmatch(m[1], -1) {
		list = append(list, string(q[1]))
	}
	if len(list) != 14 {
		t.Fatalf("web/lib/allergens.js lists %d allergens (%v); want the EU's 14", len(list), list)
	}
	for _, c := range demoMenu {
		for _, it := range c.items {
			for _, a := range it.allergens {
				if !slices.Contains(list, a) {
					t.Errorf("demo item %q has allergen %q; want one of %v", it.name, a, list)
				}
			}
		}
	}
}
