package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/labstack/echo/v4"

	"rms/release"
)

// UpgradeOptions let the staff app follow upgrades and upload a release.
type UpgradeOptions struct {
	// Dir is the upgrade folder (DATA/upgrade): the status the upgrader
	// writes, and where an upload waits for it.
	Dir string
	// ReleaseKey is the running build's minisign public key; uploads are
	// checked against it before they are queued (and again by the
	// upgrader, which trusts nothing the unprivileged box hands it).
	ReleaseKey string
	// Queue is true when a privileged upgrader watches Dir (a box set up
	// by `rms install`); otherwise uploads are refused with the command to
	// run instead.
	Queue bool
}

// maxReleaseBytes bounds an upload, held in memory while it is checked: a
// release binary is about 14 MB stripped, and a Pi Zero has 512 MB.
const maxReleaseBytes = 64 << 20

// staleAfter is when a running upgrade whose upgrader died stops blocking
// the next one: the upgrader itself gives up well before.
const staleAfter = 15 * time.Minute

// upgradeView is GET /api/system/upgrade: what runs now and the last upgrade.
type upgradeView struct {
	Version    string          `json:"version"`
	Target     string          `json:"target"`
	Schema     int             `json:"schema_version"`
	ReleaseKey string          `json:"release_key"`
	CanUpload  bool            `json:"can_upload"`
	Why        string          `json:"why,omitempty"`
	Last       *release.Status `json:"last"`
}

func (s *Server) handleUpgradeGet(c echo.Context) error {
	u := s.opts.Upgrades
	schema, err := s.store.Schema(c.Request().Context())
	if err != nil {
		return err
	}
	v := upgradeView{Version: s.opts.Version, Target: release.Self().String(), Schema: schema, ReleaseKey: release.KeyID(u.ReleaseKey)}
	v.CanUpload, v.Why = s.canUpload()
	if st, err := release.ReadStatus(u.Dir); err == nil {
		v.Last = &st
	} else if !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("upgrade status", "err", err)
	}
	return c.JSON(http.StatusOK, v)
}

// canUpload says whether an upload can be installed from here, and if not
// what to do instead.
func (s *Server) canUpload() (bool, string) {
	u := s.opts.Upgrades
	switch {
	case release.KeyID(u.ReleaseKey) == "":
		return false, "this is a development build without a release key: it cannot check a release"
	case !u.Queue || u.Dir == "":
		return false, "this box was not set up with `rms install`: upgrade it on the box with `sudo rms upgrade FILE`"
	}
	return true, ""
}

// handleUpgradeUpload takes a release (multipart fields file and
// signature), checks it as the upgrader will, and queues it for the
// privileged upgrader: 202 with the queued status. A release that must not
// be installed is refused with 422 and changes nothing.
func (s *Server) handleUpgradeUpload(c echo.Context) error {
	u := s.opts.Upgrades
	if ok, why := s.canUpload(); !ok {
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: why}
	}
	if busy, err := s.upgradeBusy(); err != nil {
		return err
	} else if busy {
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: "an upgrade is already under way; wait for it to finish"}
	}
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxReleaseBytes)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("send the release as multipart/form-data with the fields file and signature")
	}
	defer r.MultipartForm.RemoveAll()
	bin, err := formFile(r.MultipartForm, "file", maxReleaseBytes)
	if err != nil {
		return err
	}
	var sig []byte // none: Verify says what is missing
	if len(r.MultipartForm.File["signature"]) > 0 {
		if sig, err = formFile(r.MultipartForm, "signature", 64<<10); err != nil {
			return err
		}
	}
	info, err := release.Verify(u.ReleaseKey, bin, sig)
	if err == nil {
		var schema int
		if schema, err = s.store.Schema(r.Context()); err != nil {
			return err
		}
		err = info.Check(release.Self(), schema)
	}
	var ref *release.Refusal
	if errors.As(err, &ref) {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: ref.Msg,
			Fields: map[string]string{"file": ref.Msg, "reason": string(ref.Reason)}}
	} else if err != nil {
		return err
	}

	by := principal(c).Username
	now := s.now().UTC()
	st := release.Status{State: release.StateQueued, From: s.opts.Version, To: info.Version, By: by, StartedAt: now,
		Steps: []release.Step{
			{At: now, Text: fmt.Sprintf("%s uploaded rms %s for %s (%.1f MB).", by, info.Version, info.Target, float64(len(bin))/1e6)},
			{At: now, Text: fmt.Sprintf("The signature is good (release key %s); waiting for the upgrader.", info.KeyID)},
		}}
	if err := s.queueRelease(bin, sig, st); err != nil {
		return err
	}
	s.log.Info("release queued for upgrade", "from", s.opts.Version, "to", info.Version, "by", by)
	return c.JSON(http.StatusAccepted, st)
}

// upgradeBusy reports an upload waiting or an upgrade under way.
func (s *Server) upgradeBusy() (bool, error) {
	dir := s.opts.Upgrades.Dir
	if _, err := os.Stat(filepath.Join(dir, release.QueuedRequest)); err == nil {
		return true, nil
	}
	st, err := release.ReadStatus(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, nil // a damaged status must not block upgrades for ever
	}
	return !st.Finished() && s.now().Sub(st.StartedAt) < staleAfter, nil
}

// queueRelease leaves the release for the upgrader: binary and signature
// first, the request last, since its appearing starts the upgrader.
func (s *Server) queueRelease(bin, sig []byte, st release.Status) error {
	dir := s.opts.Upgrades.Dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("upgrade folder: %w", err)
	}
	if err := release.WriteFileAs(dir, release.QueuedBinary, bin, 0o600); err != nil {
		return fmt.Errorf("queue release: %w", err)
	}
	if err := release.WriteFileAs(dir, release.QueuedSignature, sig, 0o600); err != nil {
		return fmt.Errorf("queue release: %w", err)
	}
	if err := release.WriteStatus(dir, st); err != nil {
		return fmt.Errorf("queue release: %w", err)
	}
	req, _ := json.Marshal(release.Request{By: st.By, At: st.StartedAt})
	if err := release.WriteFileAs(dir, release.QueuedRequest, req, 0o600); err != nil {
		return fmt.Errorf("queue release: %w", err)
	}
	return nil
}

// formFile reads one uploaded file of the form, at most limit bytes.
func formFile(f *multipart.Form, field string, limit int64) ([]byte, error) {
	fhs := f.File[field]
	if len(fhs) != 1 {
		return nil, invalid(field, "choose one file")
	}
	if fhs[0].Size > limit {
		return nil, invalid(field, "the file is too large")
	}
	fh, err := fhs[0].Open()
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, limit))
}
