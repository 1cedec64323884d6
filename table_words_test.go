package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestTableWordsEveryLanguage checks the table app's message files: every
// key of English is in each of the five languages, with the same kind of
// value (text, one/other, list) and the same {placeholders}; every key the
// code asks for (t('…'), data-i18n, the status and allergen keys built from
// a name) is there. A guest never reads a bare key nor an English sentence
// in the middle of another language.
func TestTableWordsEveryLanguage(t *testing.T) {
	read := func(lang string) map[string]any {
		raw, err := os.ReadFile(filepath.Join("web", "t", "i18n", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		return m
	}
	en := read("en")
	holes := regexp.MustCompile(`\{\w+\}`)
	shape := func(v any) (string, []string) {
		var texts []string
		kind := "text"
		switch x := v.(type) {
		case string:
			texts = []string{x}
		case map[string]any:
			kind = "plural"
			for _, f := range []string{"one", "other"} {
				s, _ := x[f].(string)
				texts = append(texts, s)
			}
		case []any:
			kind = "list"
			for _, e := range x {
				s, _ := e.(string)
				texts = append(texts, s)
			}
		}
		return kind, texts
	}
	for _, lang := range []string{"it", "de", "fr", "es"} {
		m := read(lang)
		for key, want := range en {
			got, ok := m[key]
			if !ok {
				t.Errorf("%s.json lacks %q", lang, key)
				continue
			}
			wk, wt := shape(want)
			gk, gt := shape(got)
			if wk != gk || len(wt) != len(gt) {
				t.Errorf("%s.json %q is a %s of %d; English has a %s of %d", lang, key, gk, len(gt), wk, len(wt))
				continue
			}
			for i := range wt {
				if strings.TrimSpace(gt[i]) == "" {
					t.Errorf("%s.json %q is empty", lang, key)
				}
				// A plural's "one" may say the number in words.
				if wk == "plural" && i == 0 {
					continue
				}
				a, b := holes.FindAllString(wt[i], -1), holes.FindAllString(gt[i], -1)
				sort.Strings(a)
				sort.Strings(b)
				if strings.Join(a, ",") != strings.Join(b, ",") {
					t.Errorf("%s.json %q has placeholders %v; English has %v", lang, key, b, a)
				}
			}
		}
		for key := range m {
			if _, ok := en[key]; !ok {
				t.Errorf("%s.json has %q, which English lacks", lang, key)
			}
		}
	}

	// The keys the code asks for.
	want := map[string]string{}
	files, _ := filepath.Glob(filepath.Join("web", "t", "*.js"))
	files = append(files, filepath.Join("web", "t", "index.html"))
	lit := regexp.MustCompile(`\bt\('([a-z0-9_]+)'\s*[,)]|data-i18n(?:-label)?="([a-z0-9_]+)"`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(raw), -1) {
			want[m[1]+m[2]] = f
		}
		// dropFromCart(ids, 'dropped_…') names its message by key.
		for _, m := range regexp.MustCompile(`'(dropped_[a-z_]+)'`).FindAllStringSubmatch(string(raw), -1) {
			want[m[1]] = f
		}
	}
	for _, s := range []string{"pending", "confirmed", "preparing", "ready", "served", "paid", "cancelled"} {
		want["st_"+s] = "statusLabel"
	}
	for _, s := range []string{"pending", "confirmed", "preparing", "ready", "served"} {
		want["wait_"+s] = "orders.js"
	}
	raw, err := os.ReadFile(filepath.Join("web", "lib", "allergens.js"))
	if err != nil {
		t.Fatal(err)
	}
	list := regexp.MustCompile(`'([a-z]+)'`).FindAllStringSubmatch(string(raw), -1)
	if len(list) != 14 {
		t.Fatalf("web/lib/allergens.js lists %d allergens; want the EU's 14", len(list))
	}
	for _, m := range list {
		want["al_"+m[1]] = "allergens.js"
	}
	for key, where := range want {
		if _, ok := en[key]; !ok {
			t.Errorf("%s asks for %q, which en.json lacks", where, key)
		}
	}
}
