// Command probe is the program inside the test images (built FROM scratch,
// so there is no shell): each mode exercises one thing the adapter must
// handle.
//
//	probe exit N            print a line on stdout and stderr, exit N
//	probe env NAME          print $NAME
//	probe cat FILE          print FILE
//	probe ls DIR            print the files under DIR, one path a line
//	probe mode FILE         print FILE's permission bits in octal
//	probe pwd               print the working directory
//	probe write FILE        write to FILE
//	probe hang              sleep until killed; SIGTERM ends it
//	probe hang-ignore-term  sleep until killed; SIGTERM is ignored
//	probe spam BYTES        print BEGIN, BYTES of output with NUL bytes and invalid UTF-8, END
//	probe alloc MIB         allocate and touch MIB of memory, then exit 0
package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: probe MODE [ARG]")
	}
	arg := ""
	if len(os.Args) > 2 {
		arg = os.Args[2]
	}
	switch os.Args[1] {
	case "exit":
		n, err := strconv.Atoi(arg)
		if err != nil {
			fail(err.Error())
		}
		fmt.Println("probe says hello on stdout")
		fmt.Fprintln(os.Stderr, "probe says hello on stderr")
		os.Exit(n)
	case "env":
		fmt.Println(os.Getenv(arg))
	case "cat":
		b, err := os.ReadFile(arg)
		if err != nil {
			fail(err.Error())
		}
		os.Stdout.Write(b)
	case "ls":
		err := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fmt.Println(p)
			return nil
		})
		if err != nil {
			fail(err.Error())
		}
	case "mode":
		fi, err := os.Stat(arg)
		if err != nil {
			fail(err.Error())
		}
		fmt.Printf("%o\n", fi.Mode().Perm())
	case "write":
		if err := os.WriteFile(arg, []byte("written"), 0o644); err != nil {
			fail(err.Error())
		}
	case "pwd":
		wd, _ := os.Getwd()
		fmt.Println(wd)
	case "hang":
		fmt.Println("hanging")
		time.Sleep(time.Hour)
	case "hang-ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("hanging, deaf to SIGTERM")
		time.Sleep(time.Hour)
	case "spam":
		n, err := strconv.Atoi(arg)
		if err != nil {
			fail(err.Error())
		}
		spam(n)
	case "alloc":
		n, err := strconv.Atoi(arg)
		if err != nil {
			fail(err.Error())
		}
		b := make([]byte, n<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		fmt.Println("allocated", len(b))
	default:
		fail("unknown mode " + os.Args[1])
	}
}

// spam writes n bytes in lines holding NUL bytes and invalid UTF-8 between
// a BEGIN and an END line.
func spam(n int) {
	fmt.Println("BEGIN")
	line := []byte("spam \x00 nul \xff\xfe invalid \xc3 cut 日本\n")
	buf := make([]byte, 0, 64<<10)
	for n > 0 {
		buf = buf[:0]
		for len(buf)+len(line) <= cap(buf) && n > 0 {
			k := min(len(line), n)
			buf = append(buf, line[:k]...)
			n -= k
		}
		os.Stdout.Write(buf)
	}
	fmt.Println("\nEND")
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "probe:", msg)
	os.Exit(2)
}
