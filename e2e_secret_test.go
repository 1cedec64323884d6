package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSecretFileMode: the JWT signing secret is created with mode 0600
// inside a 0700 data folder by a real `serve`, is kept across starts, and a
// secret whose mode was loosened by hand is tightened again.
func TestSecretFileMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr := fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--mdns=false", "--addr", addr, "--data", dir, "--backup-keep", "0"}, nil, io.Discard, io.Discard)
	}()
	secret := filepath.Join(dir, "secret")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not answer /healthz on %s within 30 s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve err = %v", err)
	}

	fi, err := os.Stat(secret)
	if err != nil {
		t.Fatalf("secret after serve: %v", err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("secret mode = %o; want 600", mode)
	}
	if fi.Size() < 32 {
		t.Errorf("secret is %d bytes; want at least 32", fi.Size())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := di.Mode().Perm(); mode&0o077 != 0 {
		t.Errorf("data folder mode = %o; want no access for group and others", mode)
	}

	first, _ := os.ReadFile(secret)
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := loadSecret(secret)
	if err != nil {
		t.Fatalf("loadSecret() err = %v", err)
	}
	if !bytes.Equal(again, first) {
		t.Errorf("loadSecret() returned another secret; want the one on disk (tokens must survive a restart)")
	}
	if fi, _ := os.Stat(secret); fi.Mode().Perm() != 0o600 {
		t.Errorf("secret loosened to 644 then loaded: mode = %o; want 600", fi.Mode().Perm())
	}

	// A fresh secret is random: two folders never share one.
	other, err := loadSecret(filepath.Join(t.TempDir(), "secret"))
	if err != nil {
		t.Fatalf("loadSecret(new) err = %v", err)
	}
	if bytes.Equal(other, first) {
		t.Errorf("two new secrets are equal")
	}
	if err := os.WriteFile(filepath.Join(dir, "short"), []byte("tooshort"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadSecret(filepath.Join(dir, "short")); err == nil {
		t.Errorf("loadSecret(8 bytes) err = nil; want an error (a short key is guessable)")
	}
}
