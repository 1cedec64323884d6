// Package releasetest makes what tests of upgrades need: a throwaway
// release key, signed files, and a stand-in rms binary that exits at start.
package releasetest

import (
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"aead.dev/minisign"

	"rms/release"
)

// Key makes a throwaway key pair: the public key's base64 line, as built
// into a binary with -X main.releaseKey, and the private key.
func Key(t testing.TB) (string, minisign.PrivateKey) {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub.String(), priv
}

// Sign signs bin as .ci/release does, naming version, target and schema in
// the trusted comment.
func Sign(priv minisign.PrivateKey, bin []byte, version string, target release.Target, schema int) []byte {
	return minisign.SignWithComments(priv, bin, release.Comment(version, target, schema), "signature from rms tests")
}

// Stub builds, for goos/goarch, a program whose module is called rms (so
// it passes for an rms build) that writes a line and exits with status 3
// as soon as it starts: a release that is broken at start. It returns the
// binary's path.
func Stub(t testing.TB, goos, goarch string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module rms\n\ngo 1.22\n",
		"main.go": "package main\n\nimport \"os\"\n\nfunc main() {\n\tos.Stderr.WriteString(\"rms stand-in: broken at start\\n\")\n\tos.Exit(3)\n}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "rms")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN=local")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the stand-in: %v\n%s", err, b)
	}
	return out
}
