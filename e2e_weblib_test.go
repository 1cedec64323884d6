package main

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebLibLive runs the one live collection the three apps share
// (/lib/live.js) in Chromium: REST snapshots (with their X-Seq) and events
// (with their seq) merge so that nothing older ever undoes something newer.
func TestWebLibLive(t *testing.T) {
	cases := []struct {
		name, steps, want string
	}{
		{"newer event applies", `l.snapshot([{id: 1, v: 'a'}], 10); l.put({id: 1, v: 'b'}, 11);`, "1:b"},
		{"replayed or older event changes nothing", `l.snapshot([{id: 1, v: 'a'}], 10); l.put({id: 1, v: 'b'}, 11); l.put({id: 1, v: 'c'}, 11); l.put({id: 1, v: 'd'}, 9);`, "1:b"},
		{"event the snapshot already holds is ignored", `l.snapshot([], 10); l.put({id: 2, v: 'x'}, 8);`, ""},
		{"snapshot keeps what a later event said", `l.put({id: 1, v: 'e'}, 12); l.snapshot([{id: 1, v: 's'}], 10);`, "1:e"},
		{"snapshot drops the missing, not the newer", `l.put({id: 1, v: 'a'}, 5); l.put({id: 2, v: 'b'}, 15); l.snapshot([], 10);`, "2:b"},
		{"an object that left stays gone", `l.snapshot([{id: 1, v: 'a'}], 10); l.put({id: 1, v: 'paid', done: true}, 12); l.put({id: 1, v: 'b'}, 11);`, ""},
		{"REST answer applies and keeps the seq", `l.snapshot([{id: 1, v: 'a'}], 10); l.put({id: 1, v: 'r'}); l.put({id: 1, v: 'old'}, 10);`, "1:r"},
		{"event after a REST answer applies", `l.snapshot([{id: 1, v: 'a'}], 10); l.put({id: 1, v: 'r'}); l.put({id: 1, v: 'n'}, 11);`, "1:n"},
		{"new epoch: the new log's small seqs apply", `l.snapshot([{id: 1, v: 'a'}], 100); l.forgetSeqs(); l.put({id: 1, v: 'b'}, 3);`, "1:b"},
		{"snapshot without a seq replaces everything", `l.put({id: 1, v: 'a'}, 5); l.snapshot([{id: 2, v: 'b'}]);`, "2:b"},
	}
	box := startBox(t, boxOptions{})
	ctx := newBrowser(t, 800, 600)
	pageDo(t, ctx, "weblib-failure", chromedp.Navigate(box.URL+"/healthz"))
	script := `(async () => {
		const { Live } = await import('/lib/live.js');
		const out = {};
		const run = (name, steps) => {
			const l = new Live((o) => !o.done);
			steps(l);
			out[name] = [...l.values()].map((o) => o.id + ':' + o.v).join(',') + (l.size === [...l.values()].length ? '' : ' size!');
		};
`
	for _, c := range cases {
		name, _ := json.Marshal(c.name)
		script += "\t\trun(" + string(name) + ", (l) => { " + c.steps + " });\n"
	}
	script += "\t\treturn JSON.stringify(out);\n\t})()"
	var got map[string]string
	if err := json.Unmarshal([]byte(pageEval[string](t, ctx, "weblib-failure", script)), &got); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if got[c.name] != c.want {
			t.Errorf("%s: got %q; want %q", c.name, got[c.name], c.want)
		}
	}
}
