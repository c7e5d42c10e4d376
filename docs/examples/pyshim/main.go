// Command pyshim stands in for Python inside the example worker images.
//
// The examples must build offline, FROM scratch, since no registry can be
// reached where the demo and the tests run. So instead of a Python base image
// with the runpod SDK, each example image carries this static program under
// the name "python". It behaves like the runpod SDK's local test mode as
// described in shared docs/worker-repos.md section 2: it prints the SDK
// banner, reads test_input.json from the working directory (or
// --test_input), runs one job and exits 0 on success and 1 on failure.
//
// It cannot run the handler's Python code; the job's outcome is driven by
// the input instead, and each example's handler.py is written to match:
//
//	{"input": {"raise": "msg"}}   the handler raises: exit 1
//	{"input": {"sleep": 30}}      the handler takes 30 s
//	{"input": {"name": "x"}}      the handler returns {"greeting": "Hello, x!"}
//
// A handler file that contains "yield" is a generator: like the real SDK in
// local test mode, the job "completes" with a generator object.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	fs := flag.NewFlagSet("python", flag.ContinueOnError)
	fs.Bool("u", false, "unbuffered (accepted for compatibility)")
	testInput := fs.String("test_input", "", "job input as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	handler := fs.Arg(0)
	src, err := os.ReadFile(handler)
	if err != nil {
		fmt.Fprintf(os.Stderr, "python: can't open file '%s': [Errno 2] No such file or directory\n", handler)
		return 2
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT)
	go func() {
		<-sigs
		fmt.Println("SIGINT received. Shutting down.")
		os.Exit(0)
	}()

	fmt.Println("--- Starting Serverless Worker |  Version 1.7.0 (janitor example stand-in) ---")
	raw := []byte(*testInput)
	if *testInput == "" {
		if os.Getenv("RUNPOD_WEBHOOK_GET_JOB") != "" {
			fmt.Println("RUNPOD_WEBHOOK_GET_JOB is set: waiting for jobs (not a local test)")
			select {}
		}
		raw, err = os.ReadFile("test_input.json")
		if err != nil {
			fmt.Println("test_input.json not found, exiting.")
			return 1
		}
		fmt.Println("INFO   | Using test_input.json as job input.")
	}
	var job struct {
		Input map[string]any `json:"input"`
	}
	if err := json.Unmarshal(raw, &job); err != nil {
		fmt.Fprintf(os.Stderr, "Traceback (most recent call last):\njson.decoder.JSONDecodeError: %v\n", err)
		return 1
	}
	if job.Input == nil {
		fmt.Println("ERROR  | Job has no input parameter. Unable to run.")
		return 1
	}
	id := "test-" + fmt.Sprint(time.Now().UnixNano()%1_000_000)
	fmt.Printf("DEBUG  | %s | Started.\n", id)
	if s, ok := job.Input["sleep"].(float64); ok {
		time.Sleep(time.Duration(s * float64(time.Second)))
	}
	if msg, ok := job.Input["raise"].(string); ok {
		fmt.Printf("ERROR  | %s | Captured Handler Exception\n", id)
		fmt.Printf("ERROR  | {\"error_type\": \"<class 'ValueError'>\", \"error_message\": %q}\n", msg)
		fmt.Printf("ERROR  | Job %s failed with error: %s\n", id, msg)
		return 1
	}
	var output any = map[string]any{"greeting": fmt.Sprintf("Hello, %v!", job.Input["name"])}
	if strings.Contains(string(src), "yield") {
		output = "<generator object handler at 0x7f3c2a1b9e40>"
	}
	out, _ := json.Marshal(map[string]any{"output": output})
	fmt.Printf("DEBUG  | %s | Handler output: %s\n", id, out)
	fmt.Printf("INFO   | Job %s completed successfully.\n", id)
	fmt.Println("INFO   | Local testing complete, exiting.")
	return 0
}
