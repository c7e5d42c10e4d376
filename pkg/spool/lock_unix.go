//go:build unix

package spool

import (
	"errors"
	"os"
	"syscall"
)

// errLocked says another open file holds the lock.
var errLocked = errors.New("spool file in use by a running janitor")

// lock takes the exclusive advisory lock of f without waiting.
func lock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}
