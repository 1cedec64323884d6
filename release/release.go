// Package release decides whether a release file may replace the running
// rms: its minisign signature must verify against the release key built
// into the running binary, it must be an rms build for this box's kind of
// processor, and it must know the database's schema. It only reads; the
// swap, the restart and the rollback are the caller's.
package release

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"aead.dev/minisign"
)

// Reason names why a release was refused, for the API's error envelope and
// for tests.
type Reason string

// The reasons a release is refused.
const (
	NoKey     Reason = "no_release_key"  // this build carries no release key
	Unsigned  Reason = "unsigned"        // no signature, or not a minisign signature
	BadSig    Reason = "bad_signature"   // signed by another key, or the file was changed
	NotRMS    Reason = "not_rms"         // verified, but not an rms build (or unreadable)
	OtherArch Reason = "other_arch"      // built for another kind of processor
	OldSchema Reason = "schema_too_old"  // older than the database's schema
	Unnamed   Reason = "unnamed_release" // the signed comment lacks version or schema
)

// Refusal is the error for a release that must not be installed. Msg is a
// plain sentence for the owner.
type Refusal struct {
	Reason Reason
	Msg    string
}

func (r *Refusal) Error() string { return r.Msg }

func refuse(reason Reason, format string, args ...any) error {
	return &Refusal{Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// Info is what a verified release file says about itself.
type Info struct {
	// Version is the version its signed comment names, e.g. v1.4.0.
	Version string
	// Schema is the highest database migration it carries.
	Schema int
	// Target is the platform the binary itself is built for, e.g.
	// linux/arm64 or linux/arm/7.
	Target Target
	// KeyID is the hexadecimal ID of the key that signed it.
	KeyID string
	// SHA256 is the file's digest, hex.
	SHA256 string
}

// Target is a platform a Go binary runs on. Level is GOARM (6, 7) on arm
// and the GOAMD64 level (1 to 4) on amd64; 0 elsewhere.
type Target struct {
	OS, Arch string
	Level    int
}

func (t Target) String() string {
	switch {
	case t.Arch == "arm" && t.Level > 0:
		return fmt.Sprintf("%s/arm/%d", t.OS, t.Level)
	case t.Arch == "amd64" && t.Level > 1:
		return fmt.Sprintf("%s/amd64/v%d", t.OS, t.Level)
	}
	return t.OS + "/" + t.Arch
}

// Runs reports whether a binary built for t runs where one built for host
// runs: same system and processor, and no newer instruction level.
func (t Target) Runs(host Target) bool {
	return t.OS == host.OS && t.Arch == host.Arch && t.Level <= host.Level
}

// Self is the target of the running binary.
func Self() Target {
	t := Target{OS: runtime.GOOS, Arch: runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		t.Level = level(t.Arch, bi.Settings)
	}
	if t.Level == 0 {
		t.Level = defaultLevel(t.Arch)
	}
	return t
}

// ParseKey reads a minisign public key: its base64 line alone, or the
// two-line .pub file. It returns an error for anything else.
func ParseKey(s string) (minisign.PublicKey, error) {
	var k minisign.PublicKey
	if strings.TrimSpace(s) == "" {
		return k, errors.New("release: no key")
	}
	if err := k.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return k, fmt.Errorf("release: key: %w", err)
	}
	return k, nil
}

// KeyID is the key's ID as minisign prints it, or "" for a key that does
// not parse.
func KeyID(key string) string {
	k, err := ParseKey(key)
	if err != nil {
		return ""
	}
	return strings.ToUpper(strconv.FormatUint(k.ID(), 16))
}

// Comment is the trusted comment .ci/release signs with each binary; Verify
// reads the version and schema back from it.
func Comment(version string, target Target, schema int) string {
	return fmt.Sprintf("rms version=%s target=%s schema=%d", version, target, schema)
}

// Verify checks that sig is a minisign signature of bin by key (the
// running binary's release key) and reads what the release says about
// itself. The error is a *Refusal for a file that must not be installed.
func Verify(key string, bin, sig []byte) (Info, error) {
	var info Info
	pub, err := ParseKey(key)
	if err != nil {
		return info, refuse(NoKey, "this rms has no release key built in (a development build), so it cannot check a release; install the release by hand instead")
	}
	var s minisign.Signature
	if len(bytes.TrimSpace(sig)) == 0 {
		return info, refuse(Unsigned, "the release has no signature: choose the file together with its .minisig signature")
	}
	if err := s.UnmarshalText(sig); err != nil {
		return info, refuse(Unsigned, "the signature is not a minisign signature (%v)", err)
	}
	if s.KeyID != pub.ID() {
		return info, refuse(BadSig, "the release is signed by key %X, not by this box's release key %X", s.KeyID, pub.ID())
	}
	if !minisign.Verify(pub, bin, sig) {
		return info, refuse(BadSig, "the signature does not match the file: it was changed or damaged after signing")
	}
	sum := sha256.Sum256(bin)
	info.KeyID = strings.ToUpper(strconv.FormatUint(pub.ID(), 16))
	info.SHA256 = hex.EncodeToString(sum[:])

	bi, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil || bi.Path != "rms" {
		return info, refuse(NotRMS, "the signed file is not an rms program")
	}
	info.Target = Target{OS: setting(bi.Settings, "GOOS"), Arch: setting(bi.Settings, "GOARCH")}
	info.Target.Level = level(info.Target.Arch, bi.Settings)
	if info.Target.Level == 0 {
		info.Target.Level = defaultLevel(info.Target.Arch)
	}

	fields := strings.Fields(s.TrustedComment)
	if len(fields) == 0 || fields[0] != "rms" {
		return info, refuse(Unnamed, "the signature does not name an rms release (trusted comment %q)", s.TrustedComment)
	}
	var hasSchema bool
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "version":
			info.Version = v
		case "schema":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return info, refuse(Unnamed, "the signature names a bad schema %q", v)
			}
			info.Schema, hasSchema = n, true
		case "target":
			if v != info.Target.String() {
				return info, refuse(NotRMS, "the signature says the file is for %s, but it is built for %s", v, info.Target)
			}
		}
	}
	if info.Version == "" || !hasSchema {
		return info, refuse(Unnamed, "the signature does not name the release's version and schema (trusted comment %q)", s.TrustedComment)
	}
	return info, nil
}

// Check refuses a verified release that cannot run on host or that is
// older than the database's schema (dbSchema): its code would not know the
// tables the database already has.
func (i Info) Check(host Target, dbSchema int) error {
	if !i.Target.Runs(host) {
		return refuse(OtherArch, "the release is built for %s, but this box runs %s: download the file for %s", i.Target, host, host)
	}
	if i.Schema < dbSchema {
		return refuse(OldSchema, "the release %s knows database schema %d, but this box's database is already at schema %d: going back that far would lose data; choose a newer release", i.Version, i.Schema, dbSchema)
	}
	return nil
}

func setting(s []debug.BuildSetting, key string) string {
	for _, kv := range s {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// level reads GOARM ("7", "6,softfloat") or GOAMD64 ("v3") from the build
// settings; 0 when absent.
func level(arch string, s []debug.BuildSetting) int {
	var v string
	switch arch {
	case "arm":
		v = setting(s, "GOARM")
	case "amd64":
		v = strings.TrimPrefix(setting(s, "GOAMD64"), "v")
	default:
		return 0
	}
	v, _, _ = strings.Cut(v, ",")
	n, _ := strconv.Atoi(v)
	return n
}

// defaultLevel is what the Go toolchain builds when GOARM or GOAMD64 is
// unset, which the build settings then leave out.
func defaultLevel(arch string) int {
	switch arch {
	case "arm":
		return 7
	case "amd64":
		return 1
	}
	return 0
}
