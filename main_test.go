package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rms/release"
	"rms/store"
)

// runCLI runs the command line as the binary would, with stdin, and
// returns what it printed and its error.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestRunVersion(t *testing.T) {
	out, _, err := runCLI(t, "", "version")
	want := fmt.Sprintf("rms dev (commit none, built unknown)\n%s, database schema %d, release key (none: a development build)\n", release.Self(), store.LatestSchema())
	if err != nil || out != want {
		t.Errorf("rms version = %q, %v; want %q: the version, commit, build date, target, schema and release key", out, err, want)
	}
	out, _, err = runCLI(t, "", "help")
	if err != nil || !strings.Contains(out, "rms user add") || !strings.Contains(out, "rms backup FILE") {
		t.Errorf("rms help = %q, %v; want the usage", out, err)
	}
}

func TestRunUnknownCommand(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"user"}, {"user", "remove"}, {"serve", "extra"}, {"--no-such-flag"}} {
		out, _, err := runCLI(t, "", args...)
		if err == nil {
			t.Errorf("rms %v err = nil (printed %q); want an error", args, out)
		}
	}
	_, _, err := runCLI(t, "", "frobnicate")
	if err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Errorf("rms frobnicate err = %v; want it to name the command", err)
	}
}

func TestRunUserAdd(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCLI(t, "correct horse\n", "user", "add", "--username", "boss", "--role", "admin", "--data", dir)
	if err != nil || !strings.Contains(out, `created admin "boss"`) {
		t.Fatalf("rms user add (password on stdin) = %q, %v; want created admin", out, err)
	}
	// Without a trailing newline, and with --password.
	if _, _, err := runCLI(t, "chef-pass", "user", "add", "--username", "marco", "--role", "chef", "--data", dir); err != nil {
		t.Fatalf("rms user add (stdin without newline) err = %v", err)
	}
	if _, _, err := runCLI(t, "", "user", "add", "--username", "ana", "--role", "waiter", "--password", "waiter123", "--data", dir); err != nil {
		t.Fatalf("rms user add --password err = %v", err)
	}
	tests := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"short\n", []string{"--username", "x", "--role", "waiter"}, "password"},
		{strings.Repeat("p", 80) + "\n", []string{"--username", "x", "--role", "waiter"}, "password"},
		{"long enough\n", []string{"--username", "x", "--role", "owner"}, "role"},
		{"long enough\n", []string{"--username", "a b", "--role", "chef"}, "username"},
		{"long enough\n", []string{"--username", "BOSS", "--role", "chef"}, "taken"},
		{"", []string{"--username", "x", "--role", "chef"}, "password"},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, tt.stdin, append([]string{"user", "add", "--data", dir}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("rms user add %v err = %v; want an error about %s", tt.args, err, tt.want)
		}
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "rms.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, u := range [][3]string{{"boss", "correct horse", "admin"}, {"marco", "chef-pass", "chef"}, {"ana", "waiter123", "waiter"}} {
		got, err := st.Authenticate(context.Background(), u[0], u[1])
		if err != nil || got.Role != u[2] {
			t.Errorf("Authenticate(%s) = %+v, %v; want a %s", u[0], got, err, u[2])
		}
	}
	if n, _ := st.CountUsers(context.Background()); n != 3 {
		t.Errorf("CountUsers() = %d; want 3 (the refused ones not created)", n)
	}
	if fi, err := os.Stat(filepath.Join(dir, "secret")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file = %v, %v; want mode 0600", fi, err)
	}
}

func TestRunBackup(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := runCLI(t, "", "user", "add", "--username", "boss", "--role", "admin", "--password", "boss-pw", "--data", dir); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	out, _, err := runCLI(t, "", "backup", "--data", dir, dst)
	if err != nil || !strings.Contains(out, dst) {
		t.Fatalf("rms backup = %q, %v; want the file named", out, err)
	}
	db, err := sql.Open("sqlite", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check, name string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("backup integrity_check = %q, %v; want ok", check, err)
	}
	if err := db.QueryRow("SELECT username FROM users").Scan(&name); err != nil || name != "boss" {
		t.Errorf("backup users = %q, %v; want boss", name, err)
	}
	// It opens as a data folder of its own.
	restored := t.TempDir()
	raw, _ := os.ReadFile(dst)
	os.WriteFile(filepath.Join(restored, "rms.db"), raw, 0o600)
	st, err := store.Open(context.Background(), filepath.Join(restored, "rms.db"), store.Options{})
	if err != nil {
		t.Fatalf("store.Open(backup) err = %v", err)
	}
	if _, err := st.Authenticate(context.Background(), "boss", "boss-pw"); err != nil {
		t.Errorf("Authenticate(boss) on the backup err = %v", err)
	}
	st.Close()

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--data", dir, dst}, ""}, // the file exists already
		{[]string{"backup", "--data", t.TempDir(), filepath.Join(t.TempDir(), "x.db")}, "no database"},
		{[]string{"backup", "--data", dir}, "usage"},
		{[]string{"backup", "--data", dir, "a.db", "b.db"}, "usage"},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, "", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("rms %v err = %v; want an error (%s)", tt.args, err, tt.want)
		}
	}
}
