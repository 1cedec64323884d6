package server

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"rms/release"
	"rms/release/releasetest"
	"rms/store"
)

// multipartRelease encodes a release upload; a nil signature leaves the
// field out.
func multipartRelease(t *testing.T, bin, sig []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("file", "rms-linux-test")
	fw.Write(bin)
	if sig != nil {
		sw, _ := w.CreateFormFile("signature", "rms-linux-test.minisig")
		sw.Write(sig)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

func TestUpgradeUpload(t *testing.T) {
	pub, priv := releasetest.Key(t)
	_, otherPriv := releasetest.Key(t)
	dir := filepath.Join(t.TempDir(), "upgrade")
	ts := newTestServerWith(t, testOptions{tweak: func(o *Options) {
		o.Upgrades = UpgradeOptions{Dir: dir, ReleaseKey: pub, Queue: true}
	}})
	bin, err := os.ReadFile(releasetest.Stub(t, runtime.GOOS, runtime.GOARCH))
	if err != nil {
		t.Fatal(err)
	}
	self, schema := release.Self(), store.LatestSchema()
	upload := func(token string, bin, sig []byte) response {
		body, ctype := multipartRelease(t, bin, sig)
		return ts.do(t, "POST", "/api/system/upgrade", token, body, "Content-Type", ctype)
	}

	var view upgradeView
	ts.must(t, 200, "GET", "/api/system/upgrade", ts.admin, nil, &view)
	if view.Version != "test" || view.Schema != schema || !view.CanUpload || view.ReleaseKey != release.KeyID(pub) || view.Last != nil {
		t.Errorf("GET /api/system/upgrade = %+v; want version test, schema %d, can upload, key %s, no last upgrade", view, schema, release.KeyID(pub))
	}
	for _, tok := range []string{ts.waiter, ts.chef} {
		if r := ts.do(t, "GET", "/api/system/upgrade", tok, nil); r.status != 403 {
			t.Errorf("GET /api/system/upgrade as staff = %d; want 403", r.status)
		}
		if r := upload(tok, bin, releasetest.Sign(priv, bin, "v9", self, schema)); r.status != 403 {
			t.Errorf("POST /api/system/upgrade as staff = %d; want 403", r.status)
		}
	}

	tampered := bytes.Clone(bin)
	tampered[len(tampered)/3] ^= 0x40
	refusals := []struct {
		name     string
		bin, sig []byte
		want     release.Reason
	}{
		{"unsigned", bin, nil, release.Unsigned},
		{"tampered", tampered, releasetest.Sign(priv, bin, "v9", self, schema), release.BadSig},
		{"another key", bin, releasetest.Sign(otherPriv, bin, "v9", self, schema), release.BadSig},
		{"schema downgrade", bin, releasetest.Sign(priv, bin, "v0.1", self, schema-1), release.OldSchema},
	}
	for _, c := range refusals {
		r := upload(ts.admin, c.bin, c.sig)
		var env struct {
			Error struct {
				Code, Message string
				Fields        map[string]string
			}
		}
		json.Unmarshal(r.body, &env)
		if r.status != 422 || env.Error.Fields["reason"] != string(c.want) || env.Error.Message == "" {
			t.Errorf("upload %s = %d %s; want 422 with reason %s", c.name, r.status, r.body, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("refused uploads left %v in the upgrade folder; want nothing", entries)
	}
	if r := ts.do(t, "POST", "/api/system/upgrade", ts.admin, `{"file":"x"}`); r.status != 400 {
		t.Errorf("upload as JSON = %d %s; want 400", r.status, r.body)
	}

	sig := releasetest.Sign(priv, bin, "v9.0.0", self, schema)
	r := upload(ts.admin, bin, sig)
	var st release.Status
	if r.status != 202 {
		t.Fatalf("upload signed release = %d %s; want 202", r.status, r.body)
	}
	r.decode(t, &st)
	if st.State != release.StateQueued || st.To != "v9.0.0" || st.From != "test" || st.By != "admin" || len(st.Steps) == 0 {
		t.Errorf("upload status = %+v; want queued from test to v9.0.0 by admin, with steps", st)
	}
	for name, want := range map[string][]byte{release.QueuedBinary: bin, release.QueuedSignature: sig} {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("queued %s = %d bytes, %v; want the upload's %d bytes", name, len(got), err, len(want))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, release.QueuedRequest)); err != nil {
		t.Errorf("no request for the upgrader: %v", err)
	}
	if r := upload(ts.admin, bin, sig); r.status != 409 {
		t.Errorf("second upload while one waits = %d %s; want 409", r.status, r.body)
	}
	ts.must(t, 200, "GET", "/api/system/upgrade", ts.admin, nil, &view)
	if view.Last == nil || view.Last.State != release.StateQueued {
		t.Errorf("GET after upload: last = %+v; want the queued upgrade", view.Last)
	}
}

func TestUpgradeUploadNeedsInstalledBox(t *testing.T) {
	pub, priv := releasetest.Key(t)
	for name, opts := range map[string]UpgradeOptions{
		"not installed":     {Dir: t.TempDir(), ReleaseKey: pub},
		"development build": {Dir: t.TempDir(), Queue: true},
	} {
		ts := newTestServerWith(t, testOptions{tweak: func(o *Options) { o.Upgrades = opts }})
		var view upgradeView
		ts.must(t, 200, "GET", "/api/system/upgrade", ts.admin, nil, &view)
		if view.CanUpload || view.Why == "" {
			t.Errorf("%s: GET = %+v; want can_upload false with a reason", name, view)
		}
		body, ctype := multipartRelease(t, []byte("x"), releasetest.Sign(priv, []byte("x"), "v9", release.Self(), 9))
		r := ts.do(t, "POST", "/api/system/upgrade", ts.admin, body, "Content-Type", ctype)
		if r.status != 409 || !strings.Contains(string(r.body), view.Why[:20]) {
			t.Errorf("%s: upload = %d %s; want 409 saying %q", name, r.status, r.body, view.Why)
		}
	}
}
