package release

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The states of an upgrade, as Status.State.
const (
	StateQueued     = "queued"      // uploaded in the staff app, waiting for the upgrader
	StateRunning    = "running"     // checking, backing up, swapping or waiting for health
	StateDone       = "done"        // the new version serves
	StateRefused    = "refused"     // refused before anything changed
	StateRolledBack = "rolled_back" // the new version was not healthy; the old one serves again
	StateFailed     = "failed"      // even the rollback did not bring the box back
)

// Status is the last upgrade's progress, written by the upgrader to
// DATA/upgrade/status.json and shown in the staff app.
type Status struct {
	State      string     `json:"state"`
	From       string     `json:"from,omitempty"`
	To         string     `json:"to,omitempty"`
	By         string     `json:"by,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Steps      []Step     `json:"steps"`
}

// Step is one thing the upgrader did, in plain words.
type Step struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// Finished reports whether the upgrade is over, one way or the other.
func (s Status) Finished() bool {
	switch s.State {
	case StateDone, StateRefused, StateRolledBack, StateFailed:
		return true
	}
	return false
}

// StatusFile is the status file's name inside the upgrade folder.
const StatusFile = "status.json"

// ReadStatus reads dir's status file; fs.ErrNotExist when no upgrade ran.
func ReadStatus(dir string) (Status, error) {
	var s Status
	b, err := os.ReadFile(filepath.Join(dir, StatusFile))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("release: %s: %w", StatusFile, err)
	}
	return s, nil
}

// WriteStatus replaces dir's status file atomically, so a reader never sees
// half of it, and gives it the folder's owner: the upgrader runs as root,
// the box as its own user, and both must read and replace it.
func WriteStatus(dir string, s Status) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAs(dir, StatusFile, b, 0o600)
}

// WriteFileAs writes name inside dir atomically (a temporary file renamed
// over it) and, when running as root, hands it to dir's owner.
func WriteFileAs(dir, name string, b []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := ChownLike(tmp.Name(), dir); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// ChownLike gives path the owner of ref when running as root; otherwise it
// does nothing (a process can only create files it owns).
func ChownLike(path, ref string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	uid, gid, err := owner(ref)
	if err != nil {
		return err
	}
	if err := os.Lchown(path, uid, gid); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// The files of an upload waiting in the upgrade folder: the box writes the
// binary and its signature, then the request last; the request's appearing
// starts the privileged upgrader (rms-upgrade.path).
const (
	QueuedBinary    = "rms.new"
	QueuedSignature = "rms.new.minisig"
	QueuedRequest   = "request"
)

// Request is the request file's body: who uploaded the release.
type Request struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}
