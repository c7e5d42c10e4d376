// Command janitor keeps fleets of RunPod serverless worker repositories
// healthy: it lints them, builds and runs them, and records every result.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/runpod-workers/janitor/pkg/cli"
	"github.com/runpod-workers/janitor/pkg/iostreams"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], iostreams.System(), version)
	stop()
	os.Exit(code)
}
