package store

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
)

// Translation is a name (and for items a description) in one language.
type Translation struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// Translations maps an ISO 639-1 code to the text in that language. The
// row's own name is in the kitchen's language (the first of the settings'
// languages), so that language never needs an entry.
type Translations map[string]Translation

// Limits of languages and translations.
const (
	MaxLanguages = 20
)

var langCode = regexp.MustCompile(`^[a-z]{2}$`)

// DefaultLanguages is the languages setting of a new box.
var DefaultLanguages = []string{"en"}

func (c checker) languages(field string, langs []string) {
	if len(langs) == 0 {
		c.add(field, "must name at least one language")
		return
	}
	if len(langs) > MaxLanguages {
		c.add(field, fmt.Sprintf("must name at most %d languages", MaxLanguages))
		return
	}
	seen := map[string]bool{}
	for _, l := range langs {
		if !langCode.MatchString(l) {
			c.add(field, "must be ISO 639-1 codes such as en, it, de")
			return
		}
		if seen[l] {
			c.add(field, "must not name a language twice")
			return
		}
		seen[l] = true
	}
}

// translations checks a translations object: codes of two lowercase
// letters, names within nameMax runes (empty means "use the kitchen's"),
// descriptions within 1000.
func (c checker) translations(field string, tr Translations, nameMax int) {
	if len(tr) > MaxLanguages {
		c.add(field, fmt.Sprintf("must hold at most %d languages", MaxLanguages))
		return
	}
	keys := make([]string, 0, len(tr))
	for k := range tr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !langCode.MatchString(k) {
			c.add(field, fmt.Sprintf("%q is not an ISO 639-1 code such as de", k))
			return
		}
		c.text(field+"."+k+".name", tr[k].Name, 0, nameMax, false)
		c.text(field+"."+k+".description", tr[k].Description, 0, 1000, true)
	}
}

// encodeTranslations is the column value of tr; absent and empty entries
// are dropped so the column holds only text someone wrote.
func encodeTranslations(tr Translations) string {
	clean := Translations{}
	for k, v := range tr {
		if v.Name != "" || v.Description != "" {
			clean[k] = v
		}
	}
	b, _ := json.Marshal(clean)
	return string(b)
}

func decodeTranslations(col string) (Translations, error) {
	tr := Translations{}
	if err := json.Unmarshal([]byte(col), &tr); err != nil {
		return nil, fmt.Errorf("translations: %w", err)
	}
	if tr == nil {
		tr = Translations{}
	}
	return tr, nil
}

// name returns the name in lang, or base when there is none.
func (tr Translations) name(lang, base string) string {
	if t, ok := tr[lang]; ok && t.Name != "" {
		return t.Name
	}
	return base
}

func (tr Translations) description(lang, base string) string {
	if t, ok := tr[lang]; ok && t.Description != "" {
		return t.Description
	}
	return base
}

// localize turns an item's names (its groups' and options' too) into lang.
// Translations stay on the item, so a client can switch languages (or
// localize a pushed menu:updated) without asking again.
func (it *Item) localize(lang string) {
	it.Name = it.Translations.name(lang, it.Name)
	it.Description = it.Translations.description(lang, it.Description)
	for i := range it.ModifierGroups {
		it.ModifierGroups[i].localize(lang)
	}
}

func (g *ModifierGroup) localize(lang string) {
	g.Name = g.Translations.name(lang, g.Name)
	for i := range g.Options {
		o := &g.Options[i]
		o.Name = o.Translations.name(lang, o.Name)
	}
}
