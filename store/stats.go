package store

import (
	"errors"
	"io/fs"
	"os"
	"time"
)

// OnCommitStats sets fn to hear of every commit that succeeded: how many
// writes it carried (group commit) and how long the transaction took,
// fsync included. It is for metrics; fn runs under the writer lock, so it
// must be quick.
func (s *Store) OnCommitStats(fn func(writes int, took time.Duration)) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.commitStats = fn
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Size returns the bytes the database takes on disk: the file and its
// write-ahead log.
func (s *Store) Size() (int64, error) {
	var total int64
	for _, p := range []string{s.path, s.path + "-wal", s.path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && p != s.path {
			continue
		}
		if err != nil {
			return 0, err
		}
		total += fi.Size()
	}
	return total, nil
}
