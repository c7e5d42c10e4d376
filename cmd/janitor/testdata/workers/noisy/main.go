// Command noisy is a test worker for janitor's end-to-end scripts, installed
// as "python" in a FROM scratch image: it prints NUL bytes, invalid UTF-8
// and 20 MB of output between two markers, then exits 1. janitor must store
// its container log valid (no NUL, valid UTF-8) and capped, head and tail
// kept.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

const total = 20 << 20

func main() {
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	fmt.Fprintln(w, "NOISY-BEGIN")
	line := []byte("noise \x00 NUL \xff\xfe\xc3\x28 invalid UTF-8 " + strings.Repeat("x", 64) + "\n")
	for n := 0; n < total; n += len(line) {
		if _, err := w.Write(line); err != nil {
			os.Exit(2)
		}
	}
	fmt.Fprintln(w, "NOISY-END")
	if err := w.Flush(); err != nil {
		os.Exit(2)
	}
	fmt.Fprintln(os.Stderr, "noisy: \x00\xc3\x28 failing on purpose")
	os.Exit(1)
}
