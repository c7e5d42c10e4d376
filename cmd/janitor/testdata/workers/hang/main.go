// Command hang is a test worker for janitor's end-to-end scripts, installed
// as "python" in a FROM scratch image: it says it started and then never
// exits, like a handler stuck waiting for a server that never comes up.
package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println("--- Starting Serverless Worker | hang: waiting forever ---")
	for {
		time.Sleep(time.Hour)
	}
}
