package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetEnv(t *testing.T) {
	example, err := systemdFiles.ReadFile("systemd/rms.env.example")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		body, key, value string
		want             string // the line that must be there
	}{
		{string(example), "RMS_NAME", "Trattoria da Ana", `RMS_NAME="Trattoria da Ana"`},
		{string(example), "RMS_ADDR", ":80", "RMS_ADDR=:80"},
		{"RMS_NAME=Old\n#RMS_NAME=Comment\n", "RMS_NAME", "New", "RMS_NAME=New"},
		{"# nothing here\n", "RMS_HOSTNAME", "bistro", "RMS_HOSTNAME=bistro"},
	}
	for _, c := range cases {
		got := setEnv(c.body, c.key, c.value)
		if !strings.Contains(got, "\n"+c.want+"\n") && !strings.HasPrefix(got, c.want+"\n") {
			t.Errorf("setEnv(%s=%s) = %q; want the line %q", c.key, c.value, got, c.want)
		}
		if n := strings.Count(got, "\n"); n < strings.Count(c.body, "\n") {
			t.Errorf("setEnv(%s) dropped lines: %d, had %d", c.key, n, strings.Count(c.body, "\n"))
		}
		if v := parseEnv(got)[c.key]; v != c.value {
			t.Errorf("parseEnv(setEnv(%s=%q))[%s] = %q; want %q", c.key, c.value, c.key, v, c.value)
		}
	}
	// The example's commented defaults are not settings.
	if env := parseEnv(string(example)); len(env) != 0 {
		t.Errorf("parseEnv(rms.env.example) = %v; want nothing set", env)
	}
}

func TestWriteEnvFileKeepsEdits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "etc", "rms.env")
	say := func(string, ...any) {}
	changed, err := writeEnvFile(path, map[string]string{"RMS_NAME": "Bistro"}, say)
	if err != nil || !changed {
		t.Fatalf("writeEnvFile(fresh) = %v, %v; want written", changed, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("env file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	b, _ := os.ReadFile(path)
	edited := string(b) + "RMS_BACKUP_KEEP=30\n"
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if changed, err := writeEnvFile(path, map[string]string{}, say); err != nil || changed {
		t.Errorf("writeEnvFile(existing, no options) = %v, %v; want kept", changed, err)
	}
	if changed, err := writeEnvFile(path, map[string]string{"RMS_NAME": "Bistro"}, say); err != nil || changed {
		t.Errorf("writeEnvFile(same name) = %v, %v; want kept", changed, err)
	}
	if changed, err := writeEnvFile(path, map[string]string{"RMS_HOSTNAME": "bistro"}, say); err != nil || !changed {
		t.Errorf("writeEnvFile(new hostname) = %v, %v; want changed", changed, err)
	}
	if changed, err := writeEnvFile(path, map[string]string{"RMS_TLS": "true", "RMS_TLS_ADDR": ":443"}, say); err != nil || !changed {
		t.Errorf("writeEnvFile(tls) = %v, %v; want changed", changed, err)
	}
	env := readEnvFile(path)
	if env["RMS_TLS"] != "true" || env["RMS_TLS_ADDR"] != ":443" {
		t.Errorf("env after --tls --tls-addr :443 = %v; want RMS_TLS=true and RMS_TLS_ADDR=:443", env)
	}
	if env["RMS_NAME"] != "Bistro" || env["RMS_HOSTNAME"] != "bistro" || env["RMS_BACKUP_KEEP"] != "30" {
		t.Errorf("env after the options = %v; want the name, the hostname and the owner's edit", env)
	}
}

func TestHealthURL(t *testing.T) {
	for addr, want := range map[string]string{
		"":                "http://127.0.0.1:8080/healthz",
		":80":             "http://127.0.0.1:80/healthz",
		"0.0.0.0:9000":    "http://127.0.0.1:9000/healthz",
		"192.168.1.5:81":  "http://192.168.1.5:81/healthz",
		"[::]:8080":       "http://127.0.0.1:8080/healthz",
		"[fd00::1]:8080":  "http://[fd00::1]:8080/healthz",
		"not an address!": "http://127.0.0.1:8080/healthz",
	} {
		if got := healthURL(addr); got != want {
			t.Errorf("healthURL(%q) = %q; want %q", addr, got, want)
		}
	}
}

func TestSwapBinaryKeepsPrevious(t *testing.T) {
	dir := t.TempDir()
	l := layout{Bin: filepath.Join(dir, "rms")}
	if err := swapBinary(l, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(l.Bin + ".previous"); err == nil {
		t.Error("a first install made a .previous")
	}
	if err := swapBinary(l, []byte("v2")); err != nil {
		t.Fatal(err)
	}
	cur, _ := os.ReadFile(l.Bin)
	prev, _ := os.ReadFile(l.Bin + ".previous")
	if string(cur) != "v2" || string(prev) != "v1" {
		t.Errorf("after the swap: rms = %q, rms.previous = %q; want v2 and v1", cur, prev)
	}
	if fi, _ := os.Stat(l.Bin); fi.Mode().Perm() != 0o755 {
		t.Errorf("rms mode = %v; want 0755", fi.Mode().Perm())
	}
	if err := restorePrevious(l); err != nil {
		t.Fatal(err)
	}
	if cur, _ := os.ReadFile(l.Bin); string(cur) != "v1" {
		t.Errorf("after the rollback: rms = %q; want v1", cur)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestLowPortUnit(t *testing.T) {
	for addr, want := range map[string]bool{":80": true, "0.0.0.0:443": true, ":8080": false, ":1024": false, "": false, "nonsense": false, ":0": false} {
		body, ok := lowPortUnit(addr)
		if ok != want || (ok && !strings.Contains(body, "AmbientCapabilities=CAP_NET_BIND_SERVICE\nPrivateUsers=no\n")) {
			t.Errorf("lowPortUnit(%q) = %q, %v; want %v", addr, body, ok, want)
		}
	}
	// With --tls, the HTTPS port counts too.
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"RMS_ADDR": ":8080", "RMS_TLS": "true", "RMS_TLS_ADDR": ":443"}, true},
		{map[string]string{"RMS_ADDR": ":8080", "RMS_TLS": "false", "RMS_TLS_ADDR": ":443"}, false},
		{map[string]string{"RMS_ADDR": ":8080", "RMS_TLS": "true"}, false},
		{map[string]string{"RMS_ADDR": ":80", "RMS_TLS": "true"}, true},
	} {
		body, ok := lowPortUnit(listenAddrs(tc.env)...)
		if ok != tc.want || (ok && !strings.Contains(body, "CAP_NET_BIND_SERVICE")) {
			t.Errorf("lowPortUnit(listenAddrs(%v)) = %q, %v; want %v", tc.env, body, ok, tc.want)
		}
	}
}
