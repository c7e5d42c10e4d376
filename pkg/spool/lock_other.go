//go:build !unix

package spool

import (
	"errors"
	"os"
)

// errLocked says another open file holds the lock.
var errLocked = errors.New("spool file in use by a running janitor")

// lock is a no-op where flock does not exist: run one janitor at a time.
func lock(f *os.File) error { return nil }
