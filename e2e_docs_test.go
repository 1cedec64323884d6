package main

// The manual's examples are tests: every fenced block of docs/*.md whose
// language is http, sh, go or js runs against a real box, so the manual
// cannot drift from what the box does.
//
//   - ```http: a request, then the documented response (from the line
//     "HTTP/1.1 NNN"). The blocks of one file run in order on one fresh demo
//     box; the status must match, documented headers must be present (with
//     the same value unless volatile), and the JSON body must match: an
//     object has exactly the documented keys, numbers, booleans and null are
//     equal, strings are equal unless volatile (times, dates, tokens,
//     pairing codes, URLs), and a documented array is a prefix of the
//     actual one (the manual shortens long lists). A volatile string that
//     differs is replaced by the actual value in later requests, so a
//     pairing code the manual shows can be traded in the next example. A
//     body of just "…" is left out on purpose and not checked.
//   - ```ws: a WebSocket transcript, run in the same order as the http
//     blocks. "GET /ws" (with optional header lines) opens a connection
//     that later ws blocks keep using; "> {json}" is sent; "< {json}" must
//     be the next frame (compared like an http body); "< close NNNN" means
//     the box closes the connection with that code next.
//   - ```sh: run by bash against the same box (BOX is its address, DATA
//     its data folder; ADMIN, WAITER, CHEF and TABLE hold tokens; the rms
//     binary is on PATH, RMS_DATA points at a scratch folder); it must exit
//     0, and print what a text or json block right after it shows. getting-started.md runs on an empty box (no demo, no tokens), as a
//     new restaurant's box starts.
//   - ```go: must be the verbatim text of a file under docs/examples, which
//     is compiled and run (see TestDocsKDSTail).
//   - ```js: run in Chromium on a page of the box (see realtime docs test).
//   - ```node: a Socket.IO client run by Node.js with socket.io-client 4
//     (see TestDocsSocketIOExamples).
//
// go test -run TestDocs -update-docs rewrites the documented responses of
// the http blocks with what the box answers (keeping the manual's shorter
// lists), which is how the examples were captured.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the documented HTTP responses in docs/*.md with the box's answers")

// docsCaptureDate is the day the examples were captured; a request that
// names it is sent with today's date in the demo restaurant's time zone.
const docsCaptureDate = "2026-11-26"

// docBlock is one fenced code block of a Markdown file.
type docBlock struct {
	File  string
	Lang  string
	Line  int // 1-based line of the opening fence
	Text  string
	open  int // byte offset of the opening fence
	start int // byte offsets of Text in the file
	end   int
}

var fenceRE = regexp.MustCompile("(?m)^```([a-zA-Z0-9_-]*)[^\\n]*\\n")

// docBlocks returns the fenced blocks of a Markdown file in order.
func docBlocks(t *testing.T, path string) ([]docBlock, []byte) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var out []docBlock
	pos := 0
	for {
		m := fenceRE.FindSubmatchIndex(src[pos:])
		if m == nil {
			break
		}
		open := pos + m[0]
		start := pos + m[1]
		closeIdx := bytes.Index(src[start:], []byte("\n```"))
		var end int
		if bytes.HasPrefix(src[start:], []byte("```")) {
			end = start
		} else if closeIdx < 0 {
			t.Fatalf("%s: unclosed code block at line %d", path, bytes.Count(src[:open], []byte("\n"))+1)
		} else {
			end = start + closeIdx + 1
		}
		out = append(out, docBlock{
			File: path, Lang: string(src[pos+m[2] : pos+m[3]]),
			Line: bytes.Count(src[:open], []byte("\n")) + 1,
			Text: string(src[start:end]), open: open, start: start, end: end,
		})
		after := bytes.IndexByte(src[end:], '\n')
		if after < 0 {
			break
		}
		pos = end + after + 1
	}
	return out, src
}

// docFiles lists the manual's Markdown files.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs/*.md (err %v)", err)
	}
	return files
}

// TestDocsBlocksKnown keeps every code block in a language the tests know:
// a block that nothing runs must say so by its language (text, console for
// commands that need the real box's systemd, json for shapes shown beside
// a tested example).
func TestDocsBlocksKnown(t *testing.T) {
	known := map[string]bool{"ws": true, "http": true, "sh": true, "go": true, "js": true, "node": true, "text": true, "console": true, "json": true}
	for _, f := range docFiles(t) {
		blocks, _ := docBlocks(t, f)
		for _, b := range blocks {
			if !known[b.Lang] {
				t.Errorf("%s:%d: code block language %q; want one of http, ws, sh, go, js, node (run by the tests) or text, console, json", f, b.Line, b.Lang)
			}
		}
	}
}

// TestDocsLinks checks that every relative link of the manual and of the
// README's Manual list points at a file that exists, and at a heading of it
// when the link names one.
func TestDocsLinks(t *testing.T) {
	linkRE := regexp.MustCompile(`\]\(([^)#\s]*)(#[^)]*)?\)`)
	files := append(docFiles(t), "README.md")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range linkRE.FindAllStringSubmatch(string(src), -1) {
			target := m[1]
			if target == "" {
				target = filepath.Base(f) // a link within the page
			}
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			p := filepath.Join(filepath.Dir(f), target)
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s: link %q: %v", f, target, err)
				continue
			}
			if m[2] != "" && strings.HasSuffix(p, ".md") && !headingSlugs(t, p)[m[2][1:]] {
				t.Errorf("%s: link %q: %s has no heading %s", f, target+m[2], p, m[2])
			}
		}
	}
}

// docVars are the tokens and addresses the examples name as $NAME.
type docVars map[string]string

func newDocVars(t *testing.T, box *testBox) docVars {
	t.Helper()
	admin := box.Login(t, "admin", "admin123")
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	return docVars{
		"$ADMIN":  admin,
		"$WAITER": box.Login(t, "ana", "waiter123"),
		"$CHEF":   box.Login(t, "marco", "chef123"),
		"$TABLE":  box.PairTable(t, admin, 1),
		"$BOX":    box.API,
		// Substitutions of literal values, longest first when applied.
		docsCaptureDate: time.Now().In(loc).Format("2006-01-02"),
	}
}

func (v docVars) apply(s string) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		s = strings.ReplaceAll(s, k, v[k])
	}
	return s
}

// httpExample is a parsed ```http block.
type httpExample struct {
	Method, Target string
	Header         http.Header
	Body           string
	Status         int
	RespHeader     []string // "Name: value" lines as documented
	RespBody       string
	respAt         int // offset in the block text where the response begins
}

var statusLineRE = regexp.MustCompile(`(?m)^HTTP/1\.1 (\d{3})\b.*$`)

func parseHTTPExample(text string) (httpExample, error) {
	var ex httpExample
	loc := statusLineRE.FindStringSubmatchIndex(text)
	if loc == nil {
		return ex, fmt.Errorf("no response line (HTTP/1.1 NNN)")
	}
	ex.respAt = loc[0]
	req, resp := strings.TrimRight(text[:loc[0]], "\n"), text[loc[0]:]
	ex.Status, _ = strconv.Atoi(text[loc[2]:loc[3]])

	head, body, _ := strings.Cut(req, "\n\n")
	lines := strings.Split(head, "\n")
	parts := strings.Fields(lines[0])
	if len(parts) < 2 {
		return ex, fmt.Errorf("bad request line %q", lines[0])
	}
	ex.Method, ex.Target = parts[0], parts[1]
	ex.Header = http.Header{}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return ex, fmt.Errorf("bad request header %q", l)
		}
		ex.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	ex.Body = strings.TrimSpace(body)

	rhead, rbody, _ := strings.Cut(strings.TrimRight(resp, "\n"), "\n\n")
	for _, l := range strings.Split(rhead, "\n")[1:] {
		ex.RespHeader = append(ex.RespHeader, l)
	}
	ex.RespBody = strings.TrimSpace(rbody)
	return ex, nil
}

// volatileHeaders change from run to run; only their presence is checked.
var volatileHeaders = map[string]bool{"Retry-After": true, "X-Pair-Code": true, "X-Pair-Url": true, "X-Pair-Expires-At": true, "Date": true, "Content-Length": true}

var (
	timeRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$`)
	codeRE  = regexp.MustCompile(`^\d{6}$`)
	tokenRE = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_.-]*$`)
)

// volatileNumber: numbers that differ from box to box (the schema rises
// with each migration; disk and database sizes are the machine's).
func volatileNumber(path string) bool {
	for _, suffix := range []string{".schema_version", "_bytes"} {
		if strings.HasSuffix(path, suffix) {
			return true
		}
	}
	return false
}

func volatileString(s string) bool {
	return timeRE.MatchString(s) || codeRE.MatchString(s) || tokenRE.MatchString(s) || strings.Contains(s, "://")
}

// runHTTPExamples runs the http and ws blocks of one file in order on box.
func runHTTPExamples(t *testing.T, box *testBox, file string, vars docVars) {
	blocks, src := docBlocks(t, file)
	var edits []struct {
		start, end int
		text       string
	}
	var wsc *docWS
	defer func() {
		if wsc != nil {
			wsc.conn.CloseNow()
		}
	}()
	for _, b := range blocks {
		if b.Lang == "ws" {
			text := runWSExample(t, box, b, vars, &wsc)
			if *updateDocs && text != b.Text {
				edits = append(edits, struct {
					start, end int
					text       string
				}{b.start, b.end, text})
			}
			continue
		}
		if b.Lang != "http" {
			continue
		}
		ex, err := parseHTTPExample(b.Text)
		if err != nil {
			t.Errorf("%s:%d: %v", file, b.Line, err)
			continue
		}
		status, header, body := sendExample(t, box, ex, vars)
		where := fmt.Sprintf("%s:%d %s %s", file, b.Line, ex.Method, ex.Target)
		if *updateDocs {
			if d, err := parseOrdered(ex.RespBody); err == nil {
				if a, err := parseOrdered(string(body)); err == nil {
					compareJSON(d, a, "$", vars) // only for its substitutions
				}
			}
			edits = append(edits, struct {
				start, end int
				text       string
			}{b.start + ex.respAt, b.end, renderResponse(status, header, body, ex)})
			continue
		}
		if status != ex.Status {
			t.Errorf("%s: status = %d (%s); want %d", where, status, body, ex.Status)
			continue
		}
		for _, l := range ex.RespHeader {
			k, v, _ := strings.Cut(l, ":")
			k, v = http.CanonicalHeaderKey(strings.TrimSpace(k)), strings.TrimSpace(v)
			got := header.Get(k)
			switch {
			case got == "":
				t.Errorf("%s: header %s missing; want %q", where, k, v)
			case k == "Content-Type" && !strings.HasPrefix(got, v):
				t.Errorf("%s: Content-Type = %q; want %q", where, got, v)
			case k != "Content-Type" && !volatileHeaders[k] && got != v:
				t.Errorf("%s: header %s = %q; want %q", where, k, got, v)
			}
		}
		checkBody(t, where, ex.RespBody, body, vars)
	}
	if *updateDocs && len(edits) > 0 {
		var out bytes.Buffer
		last := 0
		for _, e := range edits {
			out.Write(src[last:e.start])
			out.WriteString(e.text)
			last = e.end
		}
		out.Write(src[last:])
		if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %d responses in %s", len(edits), file)
	}
}

func sendExample(t *testing.T, box *testBox, ex httpExample, vars docVars) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if ex.Body != "" {
		rd = strings.NewReader(vars.apply(ex.Body))
	}
	req, err := http.NewRequest(ex.Method, box.API+vars.apply(ex.Target), rd)
	if err != nil {
		t.Fatalf("%s %s: %v", ex.Method, ex.Target, err)
	}
	for k, vs := range ex.Header {
		for _, v := range vs {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Add(k, vars.apply(v))
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", ex.Method, ex.Target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// checkBody compares a documented body with the actual one.
func checkBody(t *testing.T, where, doc string, actual []byte, vars docVars) {
	t.Helper()
	if doc == "…" {
		return // the manual leaves the body out on purpose
	}
	if doc == "" {
		if len(bytes.TrimSpace(actual)) != 0 {
			t.Errorf("%s: body = %s; the manual shows none", where, actual)
		}
		return
	}
	if !strings.HasPrefix(doc, "{") && !strings.HasPrefix(doc, "[") {
		prefix := strings.TrimSuffix(doc, "…")
		if !bytes.HasPrefix(actual, []byte(prefix)) {
			t.Errorf("%s: body = %.200s; want it to start with %q", where, actual, prefix)
		}
		return
	}
	d, err := parseOrdered(doc)
	if err != nil {
		t.Errorf("%s: the documented body is not JSON: %v", where, err)
		return
	}
	a, err := parseOrdered(string(actual))
	if err != nil {
		t.Errorf("%s: the box answered %s, not JSON: %v", where, actual, err)
		return
	}
	for _, p := range compareJSON(d, a, "$", vars) {
		t.Errorf("%s: %s", where, p)
	}
}

// node is a JSON value that keeps the order of object keys, so rewritten
// examples show fields in the order the box sends them.
type node struct {
	Kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	Keys []string
	Vals []*node
	Str  string
	Num  json.Number
	Bool bool
}

func parseOrdered(s string) (*node, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	n, err := decodeNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return n, nil
}

func decodeNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &node{Kind: 'a'}
		if v == '{' {
			n.Kind = 'o'
		}
		for dec.More() {
			if n.Kind == 'o' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Keys = append(n.Keys, k.(string))
			}
			c, err := decodeNode(dec)
			if err != nil {
				return nil, err
			}
			n.Vals = append(n.Vals, c)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return n, nil
	case string:
		return &node{Kind: 's', Str: v}, nil
	case json.Number:
		return &node{Kind: 'n', Num: v}, nil
	case bool:
		return &node{Kind: 'b', Bool: v}, nil
	case nil:
		return &node{Kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func (n *node) get(key string) *node {
	for i, k := range n.Keys {
		if k == key {
			return n.Vals[i]
		}
	}
	return nil
}

var kindNames = map[byte]string{'o': "an object", 'a': "an array", 's': "a string", 'n': "a number", 'b': "a boolean", 'z': "null"}

// compareJSON returns where actual departs from the documented value, and
// records volatile strings that differ into vars for later requests.
func compareJSON(doc, actual *node, path string, vars docVars) []string {
	if doc.Kind != actual.Kind {
		return []string{fmt.Sprintf("%s is %s; the manual shows %s", path, kindNames[actual.Kind], kindNames[doc.Kind])}
	}
	var out []string
	switch doc.Kind {
	case 'o':
		for _, k := range doc.Keys {
			if actual.get(k) == nil {
				out = append(out, fmt.Sprintf("%s.%s is missing from the answer", path, k))
			}
		}
		for i, k := range actual.Keys {
			d := doc.get(k)
			if d == nil {
				out = append(out, fmt.Sprintf("%s.%s is in the answer but not in the manual", path, k))
				continue
			}
			out = append(out, compareJSON(d, actual.Vals[i], path+"."+k, vars)...)
		}
	case 'a':
		if len(actual.Vals) < len(doc.Vals) {
			return []string{fmt.Sprintf("%s has %d elements; the manual shows %d", path, len(actual.Vals), len(doc.Vals))}
		}
		for i := range doc.Vals {
			out = append(out, compareJSON(doc.Vals[i], actual.Vals[i], fmt.Sprintf("%s[%d]", path, i), vars)...)
		}
	case 's':
		if doc.Str != actual.Str {
			if strings.HasSuffix(path, ".version") || strings.HasSuffix(path, ".epoch") {
				break // the build's version, the event log's random name
			}
			if volatileString(doc.Str) && volatileString(actual.Str) {
				vars[doc.Str] = actual.Str
			} else {
				out = append(out, fmt.Sprintf("%s = %q; the manual shows %q", path, actual.Str, doc.Str))
			}
		}
	case 'n':
		if doc.Num != actual.Num && !volatileNumber(path) {
			out = append(out, fmt.Sprintf("%s = %s; the manual shows %s", path, actual.Num, doc.Num))
		}
	case 'b':
		if doc.Bool != actual.Bool {
			out = append(out, fmt.Sprintf("%s = %v; the manual shows %v", path, actual.Bool, doc.Bool))
		}
	}
	return out
}

// renderResponse writes the response part of an http block from what the
// box answered, keeping the manual's documented headers and list lengths.
func renderResponse(status int, header http.Header, body []byte, ex httpExample) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\n", status, http.StatusText(status))
	names := []string{}
	for _, l := range ex.RespHeader {
		k, _, _ := strings.Cut(l, ":")
		names = append(names, http.CanonicalHeaderKey(strings.TrimSpace(k)))
	}
	if len(bytes.TrimSpace(body)) > 0 && !slices.Contains(names, "Content-Type") {
		names = append([]string{"Content-Type"}, names...)
	}
	for _, k := range names {
		v := header.Get(k)
		if volatileHeaders[k] {
			for _, l := range ex.RespHeader {
				if dk, dv, _ := strings.Cut(l, ":"); http.CanonicalHeaderKey(strings.TrimSpace(dk)) == k {
					v = strings.TrimSpace(dv)
				}
			}
		}
		if k == "Content-Type" {
			v, _, _ = strings.Cut(v, ";")
		}
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return b.String()
	}
	b.WriteString("\n")
	if ex.RespBody == "…" {
		b.WriteString("…\n")
		return b.String()
	}
	a, err := parseOrdered(string(body))
	if err != nil {
		// Not JSON (an SVG): the manual shows its beginning.
		line, _, _ := strings.Cut(string(body), "\n")
		if len(line) > 60 {
			line = line[:60]
		}
		b.WriteString(line + "…\n")
		return b.String()
	}
	var d *node
	if ex.RespBody != "" {
		d, _ = parseOrdered(ex.RespBody)
	}
	writeNode(&b, a, d, "")
	b.WriteString("\n")
	return b.String()
}

// writeNode pretty-prints n; arrays are cut to the length of the same
// array in doc when doc has one with elements. A value that fits stays on
// one line, so examples read compactly.
func writeNode(b *strings.Builder, n, doc *node, indent string) {
	if line := oneLine(n, doc); len(indent)+len(line) <= 96 {
		b.WriteString(line)
		return
	}
	switch n.Kind {
	case 'o':
		b.WriteString("{\n")
		for i, k := range n.Keys {
			var d *node
			if doc != nil && doc.Kind == 'o' {
				d = doc.get(k)
			}
			kj, _ := json.Marshal(k)
			fmt.Fprintf(b, "%s  %s: ", indent, kj)
			writeNode(b, n.Vals[i], d, indent+"  ")
			if i < len(n.Keys)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case 'a':
		vals := cut(n, doc)
		b.WriteString("[\n")
		for i, v := range vals {
			var d *node
			if doc != nil && doc.Kind == 'a' && i < len(doc.Vals) {
				d = doc.Vals[i]
			}
			b.WriteString(indent + "  ")
			writeNode(b, v, d, indent+"  ")
			if i < len(vals)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "]")
	default:
		b.WriteString(oneLine(n, doc))
	}
}

func cut(n, doc *node) []*node {
	if doc != nil && doc.Kind == 'a' && len(doc.Vals) > 0 && len(doc.Vals) < len(n.Vals) {
		return n.Vals[:len(doc.Vals)]
	}
	return n.Vals
}

// oneLine renders n on one line.
func oneLine(n, doc *node) string {
	switch n.Kind {
	case 's':
		if doc != nil && doc.Kind == 's' && volatileString(doc.Str) && volatileString(n.Str) {
			// Keep the manual's value: a rewrite changes only what matters.
			n = doc
		}
		j, _ := json.Marshal(n.Str)
		return strings.ReplaceAll(string(j), `\u0026`, "&")
	case 'n':
		return n.Num.String()
	case 'b':
		return strconv.FormatBool(n.Bool)
	case 'z':
		return "null"
	}
	parts := []string{}
	vals := n.Vals
	if n.Kind == 'a' {
		vals = cut(n, doc)
	}
	for i, v := range vals {
		var d *node
		if doc != nil && doc.Kind == n.Kind {
			if n.Kind == 'o' {
				d = doc.get(n.Keys[i])
			} else if i < len(doc.Vals) {
				d = doc.Vals[i]
			}
		}
		s := oneLine(v, d)
		if n.Kind == 'o' {
			kj, _ := json.Marshal(n.Keys[i])
			s = string(kj) + ": " + s
		}
		parts = append(parts, s)
	}
	if n.Kind == 'o' {
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// runShellExamples runs the sh blocks of file with bash on box.
func runShellExamples(t *testing.T, box *testBox, file string, vars docVars, binDir string) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is not installed; the manual's sh examples need it")
		}
		t.Log("curl is not installed: the sh examples are not run")
		return
	}
	blocks, src := docBlocks(t, file)
	for i, b := range blocks {
		if b.Lang != "sh" {
			continue
		}
		// A text or json block right after it is the output it prints.
		var output *docBlock
		if i+1 < len(blocks) {
			next := blocks[i+1]
			gap := strings.TrimSpace(strings.TrimPrefix(string(src[b.end:next.open]), "```"))
			if gap == "" && (next.Lang == "text" || next.Lang == "json") {
				output = &next
			}
		}
		scratch := t.TempDir()
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", b.Text)
		cmd.Dir = scratch
		cmd.Env = append(os.Environ(),
			"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
			"BOX="+box.API, "ADMIN="+vars["$ADMIN"], "WAITER="+vars["$WAITER"],
			"CHEF="+vars["$CHEF"], "TABLE="+vars["$TABLE"],
			"RMS_DATA="+filepath.Join(scratch, "data"), "DATA="+box.Dir,
		)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatalf("%s:%d: %v", file, b.Line, err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			got := strings.TrimSpace(out.String())
			switch {
			case err != nil:
				t.Errorf("%s:%d: the sh example failed: %v\n%s", file, b.Line, err, got)
			case output != nil && output.Lang == "json":
				checkBody(t, fmt.Sprintf("%s:%d output", file, b.Line), strings.TrimSpace(output.Text), []byte(got), vars)
			case output != nil && got != strings.TrimSpace(output.Text):
				t.Errorf("%s:%d: the sh example printed\n%s\nthe manual shows\n%s", file, b.Line, got, strings.TrimSpace(output.Text))
			default:
				t.Logf("%s:%d: sh example output:\n%s", file, b.Line, got)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("%s:%d: the sh example ran over 20 s\n%s", file, b.Line, out.String())
		}
	}
}

// TestDocsExamples runs the http and sh examples of every page of the
// manual, each page on its own fresh demo box.
func TestDocsExamples(t *testing.T) {
	// The slow ones overlap: most of their time is waiting on a box, a
	// build or a browser.
	t.Parallel()
	binDir := filepath.Dir(buildRMS(t))
	for _, f := range docFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if filepath.Base(f) == "getting-started.md" {
				box := startBox(t, boxOptions{})
				vars := docVars{"$BOX": box.API}
				runHTTPExamples(t, box, f, vars)
				if !*updateDocs {
					runShellExamples(t, box, f, vars, binDir)
				}
				return
			}
			box := startBox(t, boxOptions{Demo: true})
			vars := newDocVars(t, box)
			runHTTPExamples(t, box, f, vars)
			if !*updateDocs {
				runShellExamples(t, box, f, vars, binDir)
			}
		})
	}
}

// readLines is a small helper for tests that scan a program's output.
func readLines(r io.Reader, out chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		out <- sc.Text()
	}
	close(out)
}

// docWS is the WebSocket connection a page of the manual is using.
type docWS struct {
	conn *websocket.Conn
}

// wsStep is one line (or multi-line message) of a ws block.
type wsStep struct {
	Dir    string // ">", "<", "GET"
	Text   string // the JSON, "close NNNN", or the header lines of GET
	Header http.Header
}

func parseWSSteps(text string) ([]wsStep, error) {
	var steps []wsStep
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "GET /ws"):
			steps = append(steps, wsStep{Dir: "GET", Header: http.Header{}})
		case strings.HasPrefix(l, "> "), strings.HasPrefix(l, "< "):
			steps = append(steps, wsStep{Dir: l[:1], Text: l[2:]})
		case len(steps) > 0 && steps[len(steps)-1].Dir == "GET" && strings.Contains(l, ": ") && !strings.HasPrefix(l, " "):
			k, v, _ := strings.Cut(l, ": ")
			steps[len(steps)-1].Header.Add(k, v)
		case len(steps) > 0 && steps[len(steps)-1].Dir != "GET":
			steps[len(steps)-1].Text += "\n" + l
		case strings.TrimSpace(l) == "":
		default:
			return nil, fmt.Errorf("line %q is neither GET /ws, a header, > nor <", l)
		}
	}
	return steps, nil
}

// runWSExample runs one ws block on the page's connection and returns the
// block's text as the box answered it (for -update-docs).
func runWSExample(t *testing.T, box *testBox, b docBlock, vars docVars, wsc **docWS) string {
	t.Helper()
	steps, err := parseWSSteps(b.Text)
	if err != nil {
		t.Errorf("%s:%d: %v", b.File, b.Line, err)
		return b.Text
	}
	var out strings.Builder
	for i, st := range steps {
		where := fmt.Sprintf("%s:%d step %d", b.File, b.Line, i+1)
		switch st.Dir {
		case "GET":
			if *wsc != nil {
				(*wsc).conn.CloseNow()
				*wsc = nil
			}
			h := http.Header{}
			host := ""
			out.WriteString("GET /ws\n")
			for k, vs := range st.Header {
				for _, v := range vs {
					fmt.Fprintf(&out, "%s: %s\n", k, v)
					if k == "Host" {
						host = v
						continue
					}
					h.Add(k, vars.apply(v))
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(box.API, "http")+"/ws", &websocket.DialOptions{HTTPHeader: h, Host: host})
			cancel()
			if err != nil {
				t.Errorf("%s: dial: %v", where, err)
				return b.Text
			}
			*wsc = &docWS{conn: c}
		case ">":
			fmt.Fprintf(&out, "> %s\n", st.Text)
			if *wsc == nil {
				t.Errorf("%s: no connection (start the block with GET /ws)", where)
				return b.Text
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := (*wsc).conn.Write(ctx, websocket.MessageText, []byte(vars.apply(st.Text)))
			cancel()
			if err != nil {
				t.Errorf("%s: send: %v", where, err)
				return b.Text
			}
		case "<":
			if *wsc == nil {
				t.Errorf("%s: no connection (start the block with GET /ws)", where)
				return b.Text
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, frame, err := (*wsc).conn.Read(ctx)
			cancel()
			if want, ok := strings.CutPrefix(st.Text, "close "); ok {
				got := websocket.CloseStatus(err)
				fmt.Fprintf(&out, "< close %d\n", got)
				if err == nil {
					t.Errorf("%s: got frame %s; want close %s", where, frame, want)
				} else if strconv.Itoa(int(got)) != strings.TrimSpace(want) {
					t.Errorf("%s: connection ended with %v (code %d); want close %s", where, err, got, want)
				}
				(*wsc).conn.CloseNow()
				*wsc = nil
				continue
			}
			if err != nil {
				t.Errorf("%s: read: %v (want %s)", where, err, st.Text)
				return b.Text
			}
			d, derr := parseOrdered(st.Text)
			a, aerr := parseOrdered(string(frame))
			if aerr != nil {
				t.Errorf("%s: frame %s is not JSON", where, frame)
				return b.Text
			}
			if derr != nil {
				d = nil
			}
			if *updateDocs {
				if d != nil {
					compareJSON(d, a, "$", vars)
				}
				var nb strings.Builder
				writeNode(&nb, a, d, "")
				fmt.Fprintf(&out, "< %s\n", nb.String())
				continue
			}
			fmt.Fprintf(&out, "< %s\n", st.Text)
			if derr != nil {
				t.Errorf("%s: the documented frame is not JSON: %v", where, derr)
				continue
			}
			for _, p := range compareJSON(d, a, "$", vars) {
				t.Errorf("%s: %s", where, p)
			}
		}
	}
	return out.String()
}

// TestDocsGoBlocks keeps every Go program the manual shows identical to a
// file under docs/examples, which the build compiles and the tests run.
func TestDocsGoBlocks(t *testing.T) {
	examples := map[string]string{}
	filepath.WalkDir(filepath.Join("docs", "examples"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			b, _ := os.ReadFile(p)
			examples[p] = string(b)
		}
		return nil
	})
	shown := 0
	for _, f := range docFiles(t) {
		blocks, _ := docBlocks(t, f)
		for _, b := range blocks {
			if b.Lang != "go" {
				continue
			}
			shown++
			found := false
			for _, src := range examples {
				if src == b.Text {
					found = true
				}
			}
			if !found {
				t.Errorf("%s:%d: this go block is not the text of any file under docs/examples; copy the file into the manual again", f, b.Line)
			}
		}
	}
	if shown == 0 {
		t.Error("the manual shows no Go example")
	}
}

// TestDocsKDSTail builds the manual's Go client (docs/examples/kds-tail)
// and runs it against a box: it must print the open orders, every new order
// live, keep going across a restart of the box, and miss nothing.
func TestDocsKDSTail(t *testing.T) {
	t.Parallel()
	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	order := func(table, item int) int64 {
		t.Helper()
		var o struct{ ID int64 }
		box.DoJSON(t, "POST", "/api/orders", waiter, map[string]any{
			"table_id": table, "items": []map[string]any{{"menu_item_id": item, "quantity": 2, "notes": ""}},
		}, http.StatusCreated, &o)
		return o.ID
	}
	first := order(2, 8)

	bin := filepath.Join(t.TempDir(), "kds-tail")
	if out, err := exec.Command("go", "build", "-o", bin, "./docs/examples/kds-tail").CombinedOutput(); err != nil {
		t.Fatalf("go build ./docs/examples/kds-tail: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-box", box.API, "-user", "marco")
	cmd.Env = append(os.Environ(), "RMS_PASSWORD=chef123")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		t.Logf("kds-tail stderr:\n%s", stderr.String())
	})
	lines := make(chan string, 100)
	go readLines(stdout, lines)
	expect := func(want string) {
		t.Helper()
		deadline := time.After(15 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("kds-tail exited before printing %q", want)
				}
				t.Logf("kds-tail: %s", l)
				if strings.HasPrefix(l, want) {
					return
				}
			case <-deadline:
				t.Fatalf("kds-tail did not print %q within 15 s", want)
			}
		}
	}
	expect(fmt.Sprintf("open order %d for T2 (confirmed): 2× Risotto ai funghi", first))
	expect("live from seq")

	second := order(3, 12)
	expect(fmt.Sprintf("new order %d for T3: 2× Saltimbocca alla romana", second))
	box.DoJSON(t, "PATCH", fmt.Sprintf("/api/orders/%d/status", second), chef, map[string]string{"status": "preparing"}, http.StatusOK, nil)
	expect(fmt.Sprintf("order %d for T3 is preparing", second))

	// A restart closes with 1001; the program reconnects with since and
	// gets what happened after the restart, before it was back.
	box.Restart(t)
	third := order(4, 14)
	expect(fmt.Sprintf("new order %d for T4: 2× Tagliata di manzo", third))
}

// TestDocsBrowserExamples runs the manual's three browser clients (the js
// blocks of docs/realtime.md, each marked by its first comment line) in
// Chromium on a page of a demo box, and checks that each prints what the
// box pushes to it.
func TestDocsBrowserExamples(t *testing.T) {
	t.Parallel()
	blocks, _ := docBlocks(t, filepath.Join("docs", "realtime.md"))
	examples := map[string]string{}
	for _, b := range blocks {
		if b.Lang != "js" {
			continue
		}
		first, _, _ := strings.Cut(b.Text, "\n")
		kind, _, _ := strings.Cut(strings.TrimPrefix(first, "// "), ":")
		examples[kind] = b.Text
	}
	for _, k := range []string{"staff", "table", "kitchen"} {
		if examples[k] == "" {
			t.Fatalf("docs/realtime.md has no js block starting with // %s:", k)
		}
	}
	if len(examples) != 3 {
		t.Errorf("js blocks %v; this test knows staff, table and kitchen", len(examples))
	}

	box := startBox(t, boxOptions{Demo: true})
	admin := box.Login(t, "admin", "admin123")
	waiter := box.Login(t, "ana", "waiter123")
	chef := box.Login(t, "marco", "chef123")
	browser := newBrowser(t, 800, 600)

	// run opens a tab on path, captures console.log, and starts the example.
	run := func(name, path string) context.Context {
		t.Helper()
		tab := newTab(t, browser, 800, 600)
		docsDo(t, tab, chromedp.Navigate(box.URL+path))
		docsEval[chromedp.Void](t, tab, `(() => {
			window.__log = [];
			const log = console.log.bind(console);
			console.log = (...args) => { window.__log.push(args.map(String).join(' ')); log(...args); };
			window.addEventListener('error', (e) => window.__log.push('error: ' + e.message));
			const s = document.createElement('script');
			s.type = 'module';
			s.textContent = `+docsQuote(examples[name])+`;
			document.head.append(s);
		})()`)
		return tab
	}
	// want waits until the tab logged a line starting with prefix.
	want := func(tab context.Context, name, prefix string) string {
		t.Helper()
		var line string
		waitFor(t, 20*time.Second, name+" example to log "+prefix, func() bool {
			lines := docsEval[[]string](t, tab, `window.__log`)
			for _, l := range lines {
				if strings.HasPrefix(l, prefix) {
					line = l
					return true
				}
			}
			return false
		})
		return line
	}

	staff := run("staff", "/healthz")
	want(staff, "staff", "realtime: connected")

	// The iPad pairs with the code of a QR URL, as the table app does.
	var pair struct{ Code string }
	box.DoJSON(t, "POST", "/api/tables/3/pair", waiter, nil, http.StatusOK, &pair)
	table := run("table", "/healthz?code="+pair.Code)
	want(table, "table", "realtime: connected")
	sent := want(table, "table", "sent order ")
	var orderID int64
	fmt.Sscanf(strings.TrimPrefix(sent, "sent order "), "%d", &orderID)
	if orderID == 0 {
		t.Fatalf("table example logged %q; want an order id", sent)
	}
	// The staff screen sees the order and the table becoming occupied.
	want(staff, "staff", fmt.Sprintf("order %d for T3 pending", orderID))
	want(staff, "staff", "table 3 occupied")

	kitchen := run("kitchen", "/healthz?station=bar")
	want(kitchen, "kitchen", "realtime: connected")
	box.DoJSON(t, "PATCH", fmt.Sprintf("/api/orders/%d/status", orderID), waiter, map[string]string{"status": "confirmed"}, http.StatusOK, nil)
	want(table, "table", fmt.Sprintf("order %d is confirmed", orderID))
	want(kitchen, "kitchen", fmt.Sprintf("ticket %d T3 confirmed: 1x Acqua minerale", orderID))

	// A new order with a kitchen and a bar line: the bar's screen shows
	// only its line.
	var o struct{ ID int64 }
	box.DoJSON(t, "POST", "/api/orders", waiter, map[string]any{"table_id": 5, "items": []map[string]any{
		{"menu_item_id": 6, "quantity": 1, "notes": ""}, {"menu_item_id": 23, "quantity": 2, "notes": ""},
	}}, http.StatusCreated, &o)
	line := want(kitchen, "kitchen", fmt.Sprintf("ticket %d ", o.ID))
	if line != fmt.Sprintf("ticket %d T5 confirmed: 2x Aperol spritz", o.ID) {
		t.Errorf("kitchen example logged %q; want only the bar's line", line)
	}
	box.DoJSON(t, "PATCH", "/api/menu/items/21/availability", chef, map[string]bool{"available": false}, http.StatusOK, nil)
	want(table, "table", "menu item 21 sold out")
	// Paying is not cooking: the water is served before the bill is
	// settled, so nothing is left to serve and the table turns to cleaning.
	for _, step := range []struct{ token, status string }{{chef, "preparing"}, {chef, "ready"}, {waiter, "served"}} {
		box.DoJSON(t, "PATCH", fmt.Sprintf("/api/orders/%d/status", orderID), step.token, map[string]string{"status": step.status}, http.StatusOK, nil)
	}
	box.DoJSON(t, "POST", "/api/payments", waiter, map[string]any{"table_id": 3, "method": "cash", "amount_cents": 350, "tip_cents": 0}, http.StatusCreated, nil)
	want(staff, "staff", "payment 350 at table 3")
	want(table, "table", "table is cleaning")

	// Pairing table 3 again ends the first iPad's token: its example hears 4403.
	box.PairTable(t, admin, 3)
	want(table, "table", "this iPad was unpaired")
}

func docsDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	pageDo(t, ctx, "docs-failure", steps...)
}

func docsEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return pageEval[T](t, ctx, "docs-failure", expr)
}

// docsQuote is s as a JavaScript string literal.
func docsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// headingSlugs returns the anchors GitHub makes of a Markdown file's
// headings: lower case, punctuation dropped, spaces as dashes.
func headingSlugs(t *testing.T, path string) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	slugs := map[string]bool{}
	inFence := false
	for _, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(l, "#")))
		var b strings.Builder
		for _, r := range h {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		slugs[b.String()] = true
	}
	return slugs
}

// jsTypedefs parses the object typedefs of a JSDoc-annotated module: for
// each, its properties and whether each is optional.
func jsTypedefs(src string) map[string]map[string]bool {
	defs := map[string]map[string]bool{}
	typedefRE := regexp.MustCompile(`@typedef \{Object\} (\w+)`)
	propRE := regexp.MustCompile(`@property \{[^}]*\}\s+(\[?)(\w+)`)
	for _, comment := range regexp.MustCompile(`(?s)/\*\*.*?\*/`).FindAllString(src, -1) {
		m := typedefRE.FindStringSubmatch(comment)
		if m == nil {
			continue
		}
		props := map[string]bool{}
		for _, p := range propRE.FindAllStringSubmatch(comment, -1) {
			props[p[2]] = p[1] == "["
		}
		defs[m[1]] = props
	}
	return defs
}

// TestDocsJSDocTypes keeps the JSDoc types of /lib/realtime.js true to
// what the box sends, so that an editor's completion of
// rt.on('order:created', (order) => order. offers every field and only
// real ones: each payload the box pushes is compared with its typedef.
func TestDocsJSDocTypes(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("web", "lib", "realtime.js"))
	if err != nil {
		t.Fatal(err)
	}
	defs := jsTypedefs(string(src))
	for _, ev := range []string{"order:created", "order:updated", "order:cancelled", "table:updated", "menu:updated", "payment:completed"} {
		if !strings.Contains(string(src), "'"+ev+"': ") {
			t.Errorf("realtime.js: EventMap has no payload type for %s", ev)
		}
	}

	box := startBox(t, boxOptions{Demo: true})
	waiter := box.Login(t, "ana", "waiter123")
	customer := box.PairTable(t, waiter, 2)
	samples := map[string][]byte{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for role, tok := range map[string]string{"staff": waiter, "customer": customer} {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(box.API, "http")+"/ws", &websocket.DialOptions{
			HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, frame, err := c.Read(ctx)
		c.CloseNow()
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ Data json.RawMessage }
		json.Unmarshal(frame, &f)
		samples["Ready "+role] = f.Data
	}
	_, body := box.Do(t, "POST", "/api/orders", customer, map[string]any{"table_id": 2, "items": []map[string]any{{"menu_item_id": 3, "quantity": 1, "notes": "x"}}})
	samples["Order"] = body
	var o struct {
		Items []json.RawMessage
	}
	json.Unmarshal(body, &o)
	if len(o.Items) == 0 {
		t.Fatalf("POST /api/orders = %s", body)
	}
	samples["OrderItem"] = o.Items[0]
	_, samples["Table"] = box.Do(t, "POST", "/api/tables/2/requests", customer, map[string]string{"kind": "waiter"})
	_, menu := box.Do(t, "GET", "/api/menu", waiter, nil)
	var m struct {
		Categories []struct{ Items []json.RawMessage }
	}
	if json.Unmarshal(menu, &m); len(m.Categories) == 0 || len(m.Categories[0].Items) == 0 {
		t.Fatalf("GET /api/menu = %.200s", menu)
	}
	samples["MenuItem"] = m.Categories[0].Items[0]
	_, samples["Payment"] = box.Do(t, "POST", "/api/payments", waiter, map[string]any{"table_id": 2, "method": "card", "amount_cents": 1400, "tip_cents": 0})

	for name, raw := range samples {
		typ, _, _ := strings.Cut(name, " ")
		props, ok := defs[typ]
		if !ok {
			t.Errorf("realtime.js has no @typedef {Object} %s", typ)
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			t.Errorf("%s sample %s: %v", name, raw, err)
			continue
		}
		for k := range obj {
			if _, ok := props[k]; !ok {
				t.Errorf("realtime.js: @typedef %s lacks @property %s (the box sends it: %s)", typ, k, raw)
			}
		}
		for p, optional := range props {
			if _, ok := obj[p]; !ok && !optional {
				t.Errorf("realtime.js: @typedef %s declares %s, which the box does not send (%s); mark it [optional] or remove it", typ, p, raw)
			}
		}
	}
}

// TestDocsEveryRoute keeps the REST reference complete: every route of
// server/routes.go under /api (and /healthz) is named in it and has at
// least one http example that the tests run.
func TestDocsEveryRoute(t *testing.T) {
	routes, err := os.ReadFile(filepath.Join("server", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	routeRE := regexp.MustCompile(`(?m)^\s*(api|e)\.(GET|POST|PATCH|DELETE)\("([^"]+)"`)
	blocks, src := docBlocks(t, filepath.Join("docs", "rest.md"))
	var examples []string
	for _, b := range blocks {
		if ex, err := parseHTTPExample(b.Text); b.Lang == "http" && err == nil {
			path, _, _ := strings.Cut(ex.Target, "?")
			examples = append(examples, ex.Method+" "+path)
		}
	}
	n := 0
	for _, m := range routeRE.FindAllStringSubmatch(string(routes), -1) {
		method, path := m[2], m[3]
		if m[1] == "api" {
			path = "/api" + path
		} else if path != "/healthz" {
			continue // pages and assets; /ws is in realtime.md
		}
		n++
		named := regexp.MustCompile(`:(\w+)`).ReplaceAllString(path, "{$1}")
		if !strings.Contains(string(src), method+" "+named+"`") {
			t.Errorf("docs/rest.md does not name `%s %s`", method, named)
		}
		pattern := regexp.MustCompile("^" + method + " " + regexp.MustCompile(`:\w+`).ReplaceAllString(regexp.QuoteMeta(path), `[0-9]+`) + "$")
		found := false
		for _, e := range examples {
			found = found || pattern.MatchString(e)
		}
		if !found {
			t.Errorf("docs/rest.md has no http example of %s %s", method, named)
		}
	}
	if n < 30 {
		t.Errorf("found %d routes in server/routes.go; the pattern no longer matches its style", n)
	}
}

// TestDocsEveryEvent keeps the realtime reference complete: each event of
// the contract is shown in a ws transcript the tests replay, and each close
// code a client must handle is in its table.
func TestDocsEveryEvent(t *testing.T) {
	blocks, src := docBlocks(t, filepath.Join("docs", "realtime.md"))
	var frames strings.Builder
	for _, b := range blocks {
		if b.Lang == "ws" {
			frames.WriteString(b.Text)
		}
	}
	for _, ev := range []string{"ready", "ack", "error", "resync", "order:created", "order:updated", "order:cancelled", "table:updated", "menu:updated", "payment:completed"} {
		if !strings.Contains(frames.String(), `"event": "`+ev+`"`) {
			t.Errorf("docs/realtime.md: no ws transcript shows a %s frame", ev)
		}
	}
	for _, code := range []string{"4401", "4403", "4408", "1001", "1008", "1009", "1013"} {
		if !strings.Contains(string(src), "| `"+code+"` |") {
			t.Errorf("docs/realtime.md: the close code table has no row for %s", code)
		}
	}
}
