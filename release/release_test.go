package release_test

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"aead.dev/minisign"

	"rms/release"
	"rms/release/releasetest"
)

func reason(err error) release.Reason {
	var r *release.Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

func TestVerify(t *testing.T) {
	pub, priv := releasetest.Key(t)
	otherPub, otherPriv := releasetest.Key(t)
	bin, err := os.ReadFile(releasetest.Stub(t, runtime.GOOS, runtime.GOARCH))
	if err != nil {
		t.Fatal(err)
	}
	self := release.Self()
	good := releasetest.Sign(priv, bin, "v2.0.0", self, 7)
	tampered := bytes.Clone(bin)
	tampered[len(tampered)/2] ^= 1

	info, err := release.Verify(pub, bin, good)
	if err != nil {
		t.Fatalf("Verify(signed stand-in) err = %v; want nil", err)
	}
	if info.Version != "v2.0.0" || info.Schema != 7 || info.Target != self || info.KeyID != release.KeyID(pub) || len(info.SHA256) != 64 {
		t.Errorf("Verify(signed stand-in) = %+v; want v2.0.0, schema 7, %s, key %s", info, self, release.KeyID(pub))
	}

	cases := []struct {
		name     string
		key      string
		bin, sig []byte
		want     release.Reason
	}{
		{"no key built in", "", bin, good, release.NoKey},
		{"no signature", pub, bin, nil, release.Unsigned},
		{"not a signature", pub, bin, []byte("untrusted comment: x\nnot base64 at all\n"), release.Unsigned},
		{"another key", otherPub, bin, good, release.BadSig},
		{"signed by another key", pub, bin, releasetest.Sign(otherPriv, bin, "v2.0.0", self, 7), release.BadSig},
		{"file changed after signing", pub, tampered, good, release.BadSig},
		{"signature of another file", pub, bin[:len(bin)-1], good, release.BadSig},
		{"not a Go program", pub, []byte("#!/bin/sh\nexit 0\n"), releasetest.Sign(priv, []byte("#!/bin/sh\nexit 0\n"), "v2", self, 7), release.NotRMS},
		{"comment lies about the target", pub, bin, releasetest.Sign(priv, bin, "v2", release.Target{OS: "linux", Arch: "riscv64"}, 7), release.NotRMS},
		{"plain minisign comment", pub, bin, minisign.SignWithComments(priv, bin, "timestamp:1700000000\tfile:rms", ""), release.Unnamed},
		{"no schema", pub, bin, minisign.SignWithComments(priv, bin, "rms version=v2", ""), release.Unnamed},
		{"bad schema", pub, bin, minisign.SignWithComments(priv, bin, "rms version=v2 schema=x", ""), release.Unnamed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := release.Verify(c.key, c.bin, c.sig)
			if got := reason(err); got != c.want {
				t.Errorf("Verify() err = %v (reason %q); want reason %q", err, got, c.want)
			}
			if err != nil && strings.TrimSpace(err.Error()) == "" {
				t.Error("refusal without words for the owner")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	arm7 := release.Target{OS: "linux", Arch: "arm", Level: 7}
	arm6 := release.Target{OS: "linux", Arch: "arm", Level: 6}
	arm64 := release.Target{OS: "linux", Arch: "arm64"}
	amd64 := release.Target{OS: "linux", Arch: "amd64", Level: 1}
	cases := []struct {
		target, host     release.Target
		schema, dbSchema int
		want             release.Reason
	}{
		{arm64, arm64, 3, 3, ""},
		{arm64, arm64, 4, 3, ""}, // a newer schema migrates on start
		{arm64, arm64, 2, 3, release.OldSchema},
		{arm64, arm64, 0, 0, ""}, // a box that never started
		{arm64, amd64, 3, 3, release.OtherArch},
		{amd64, arm64, 3, 3, release.OtherArch},
		{arm7, arm64, 3, 3, release.OtherArch},
		{arm6, arm7, 3, 3, ""},                // an ARMv6 build runs on ARMv7
		{arm7, arm6, 3, 3, release.OtherArch}, // but not the other way round
		{release.Target{OS: "linux", Arch: "amd64", Level: 3}, amd64, 3, 3, release.OtherArch},
		{release.Target{OS: "freebsd", Arch: "arm64"}, arm64, 3, 3, release.OtherArch},
	}
	for _, c := range cases {
		err := release.Info{Version: "v9", Schema: c.schema, Target: c.target}.Check(c.host, c.dbSchema)
		if got := reason(err); got != c.want {
			t.Errorf("Check(%s schema %d on %s, db schema %d) = %v; want reason %q", c.target, c.schema, c.host, c.dbSchema, err, c.want)
		}
	}
}

func TestTargetString(t *testing.T) {
	for target, want := range map[release.Target]string{
		{OS: "linux", Arch: "arm", Level: 6}:   "linux/arm/6",
		{OS: "linux", Arch: "arm64"}:           "linux/arm64",
		{OS: "linux", Arch: "amd64", Level: 1}: "linux/amd64",
		{OS: "linux", Arch: "amd64", Level: 3}: "linux/amd64/v3",
	} {
		if got := target.String(); got != want {
			t.Errorf("%#v.String() = %q; want %q", target, got, want)
		}
	}
}

func TestStatusRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := release.ReadStatus(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadStatus(empty) err = %v; want not exist", err)
	}
	want := release.Status{State: release.StateRolledBack, From: "v1", To: "v2", Steps: []release.Step{{Text: "Put rms v1 back."}}}
	if err := release.WriteStatus(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := release.ReadStatus(dir)
	if err != nil || got.State != want.State || got.From != "v1" || len(got.Steps) != 1 || !got.Finished() {
		t.Errorf("ReadStatus() = %+v, %v; want %+v", got, err, want)
	}
}

// FuzzVerify feeds Verify arbitrary signatures and trusted comments: it
// must refuse, never panic, and never accept what the key did not sign.
func FuzzVerify(f *testing.F) {
	pub, priv, _ := minisign.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	msg := []byte("rms release bytes")
	f.Add(minisign.SignWithComments(priv, msg, "rms version=v1 schema=2 target=linux/arm64", ""), "")
	f.Add([]byte("untrusted comment: x\nRWQ=\ntrusted comment: rms\nAAAA\n"), "rms version=v1 schema=-1")
	f.Fuzz(func(t *testing.T, sig []byte, comment string) {
		if _, err := release.Verify(pub.String(), msg, sig); err == nil {
			t.Fatalf("Verify accepted %q for a file that is no rms program", sig)
		}
		if strings.ContainsAny(comment, "\r\n") {
			return
		}
		_, err := release.Verify(pub.String(), msg, minisign.SignWithComments(priv, msg, comment, ""))
		if reason(err) == "" || reason(err) == release.BadSig {
			t.Fatalf("Verify(comment %q) err = %v; want a refusal other than a bad signature", comment, err)
		}
	})
}
