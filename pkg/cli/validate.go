package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/runpod-workers/janitor/pkg/spool"
	"github.com/runpod-workers/janitor/pkg/tableprinter"
	"github.com/runpod-workers/janitor/pkg/validate"
)

type validateOptions struct {
	f            *Factory
	repos        []string
	reposFile    string
	concurrency  int
	timeout      time.Duration
	buildTimeout time.Duration
	runTimeout   time.Duration
	gpu          string
	keepImages   bool
	lintGate     bool
	ignore       []string
	verbose      bool
	output       string
}

func newValidateCmd(f *Factory) *cobra.Command {
	opts := &validateOptions{f: f}
	cmd := &cobra.Command{
		Use:   "validate [<owner/name|git-url|path> ...] [--repos-file repos.yaml]",
		Short: "Build and run worker repositories for real and record the results",
		Long: `Validate worker repositories: check out each one (shallow clone, or a local
path in place), lint it, build its image with BuildKit, run its test input in a
container with a time limit, check the GPU, decide a verdict from the evidence,
and record everything in the environment's results database as soon as each
repository finishes. Results are kept in a local spool while the database is
unreachable and written when it is back (janitor db-flush).

Repositories given by bare name belong to --organization (runpod-workers).
repos.yaml lists repositories with optional ref, dockerfile, build_args, env,
test_input, timeout, build_timeout and gpu_required.

Exit status: 0 when no repository failed (skipped and inconclusive are not
failures), 3 when one did, 1 when janitor could not do its job, 130 when
interrupted (containers and images of the run are removed, the run is
recorded as cancelled, finished results are kept).`,
		Example: `  janitor validate worker-basic
  janitor validate ./my-worker runpod-workers/worker-vllm@v2.1.0 --concurrency 2
  janitor validate --repos-file repos.yaml --env prod --gpu on -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.output); err != nil {
				return err
			}
			if len(args) == 0 && opts.reposFile == "" {
				return usageErrorf("name at least one repository, or --repos-file")
			}
			if opts.concurrency < 1 {
				return usageErrorf("--concurrency must be at least 1")
			}
			if _, err := validate.ParseGPUMode(opts.gpu); err != nil {
				return usageErrorf("%v", err)
			}
			opts.repos = args
			return runValidate(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.reposFile, "repos-file", "f", "", "YAML file listing repositories")
	fl.IntVarP(&opts.concurrency, "concurrency", "j", 1, "how many repositories to validate at once")
	fl.DurationVar(&opts.timeout, "timeout", 0, "time limit for the whole run (none by default)")
	fl.DurationVar(&opts.buildTimeout, "build-timeout", validate.DefaultBuildTimeout, "time limit for each image build")
	fl.DurationVar(&opts.runTimeout, "run-timeout", validate.DefaultRunTimeout, "time limit for each test run")
	fl.StringVar(&opts.gpu, "gpu", "auto", "GPU checks: auto (when the host has one), on (required), off")
	fl.BoolVar(&opts.keepImages, "keep-images", false, "keep the built images (removed by default)")
	fl.BoolVar(&opts.lintGate, "lint-gate", false, "skip the build of repositories with lint errors")
	fl.StringSliceVar(&opts.ignore, "ignore", nil, "lint rule IDs to suppress, e.g. JW007")
	fl.BoolVarP(&opts.verbose, "verbose", "v", false, "show build output as it happens")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

func runValidate(ctx context.Context, opts *validateOptions) error {
	f := opts.f
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	defaults := validate.Defaults{Org: cfg.Organization, BaseURL: cfg.GitHubURL, Dir: cwd}
	var repos []validate.Repo
	for _, a := range opts.repos {
		r, err := validate.ParseRepoArg(a, defaults)
		if err != nil {
			return usageErrorf("%v", err)
		}
		repos = append(repos, r)
	}
	reposFile := ""
	if opts.reposFile != "" {
		if reposFile, err = filepath.Abs(opts.reposFile); err != nil {
			return err
		}
		listed, err := validate.LoadReposFile(reposFile, defaults)
		if err != nil {
			return err
		}
		repos = append(repos, listed...)
	}
	engine, err := f.Docker(ctx)
	if err != nil {
		return err
	}
	sp, err := openSpool(f)
	if err != nil {
		return err
	}
	logger := f.Logger()
	sink := sp.Wrap(storeSink{db: f.DB, version: f.Version}, spool.Options{Logger: logger})
	defer sink.Close()

	gpuMode, _ := validate.ParseGPUMode(opts.gpu)
	progress, stop := progressRenderer(f, opts.verbose)
	pipeline := validate.Pipeline{
		Checkouter: repoCheckouter{token: os.Getenv("GITHUB_TOKEN"), tokenHost: hostOf(cfg.GitHubURL)},
		Linter:     repoLinter{ignore: opts.ignore},
		Engine:     validateEngine{e: engine},
		GPU:        hostGPU{},
		Sink:       sink,
	}
	sum, runErr := pipeline.Run(ctx, repos, validate.Options{
		Environment:  cfg.Env,
		InstanceID:   f.InstanceID(ctx),
		ReposFile:    reposFile,
		Concurrency:  opts.concurrency,
		Timeout:      opts.timeout,
		BuildTimeout: opts.buildTimeout,
		RunTimeout:   opts.runTimeout,
		GPU:          gpuMode,
		KeepImages:   opts.keepImages,
		LintGate:     opts.lintGate,
		WorkDir:      filepath.Join(cfg.DataDir, "work"),
		Progress:     progress,
		Logger:       logger,
	})
	stop()
	if err := sink.Close(); err != nil {
		logger.Warn("closing the result spool", "err", err)
	}
	if pending, _, err := sp.Pending(); err == nil && len(pending) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "the results database was unreachable: results are kept in %s; `janitor db-flush` writes them\n", sp.Dir())
	}
	if err := printValidateSummary(f, sum, opts.output); err != nil {
		return err
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			return runErr
		}
		return fmt.Errorf("validation run %s: %w", sum.Run.ID, runErr)
	}
	if code := sum.ExitCode(); code != 0 {
		return withExitCode(code, nil)
	}
	return nil
}

// progressRenderer shows one live line per repository on a terminal and
// plain lines otherwise, on stderr. stop ends the live display.
func progressRenderer(f *Factory, verbose bool) (func(validate.Event), func()) {
	if !f.IO.IsStderrTTY() {
		r := validate.NewPlainRenderer(f.IO.ErrOut, verbose)
		return r.Event, func() {}
	}
	r := validate.NewTerminalRenderer(f.IO.ErrOut, f.IO.TerminalWidth(), verbose)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.Redraw()
			}
		}
	}()
	return r.Event, func() {
		close(done)
		<-stopped
		r.Close()
	}
}

// validateJSON is validate's JSON output; its field names are an API.
type validateJSON struct {
	RunID       string            `json:"run_id"`
	Environment string            `json:"environment"`
	Status      string            `json:"status"`
	StartedAt   time.Time         `json:"started_at"`
	FinishedAt  time.Time         `json:"finished_at"`
	DurationMs  int64             `json:"duration_ms"`
	Error       string            `json:"error"`
	GPU         validate.GPUInfo  `json:"gpu"`
	Records     []validate.Record `json:"repositories"`
}

func printValidateSummary(f *Factory, sum validate.Summary, output string) error {
	if output == "json" {
		recs := sum.Records
		if recs == nil {
			recs = []validate.Record{}
		}
		if sum.GPU.Names == nil {
			sum.GPU.Names = []string{}
		}
		return writeJSON(f.IO.Out, validateJSON{
			RunID: sum.Run.ID, Environment: sum.Run.Environment, Status: string(sum.Status),
			StartedAt: sum.Run.StartedAt.UTC(), FinishedAt: sum.FinishedAt.UTC(),
			DurationMs: sum.FinishedAt.Sub(sum.Run.StartedAt).Milliseconds(), Error: sum.Error,
			GPU: sum.GPU, Records: recs,
		})
	}
	rows := sum.Rows()
	if len(rows) == 0 {
		return nil
	}
	io := f.IO
	cs := io.ColorScheme()
	tp := tableprinter.New(io.Out, io.IsStdoutTTY())
	tp.Header("repository", "verdict", "build", "run", "gpu", "duration")
	for _, r := range rows {
		tp.Row(r.Repo, cs.Status(r.Verdict), r.Build, r.Run, r.GPU, r.Duration)
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if io.IsStdoutTTY() {
		for _, rec := range sum.Records {
			if rec.Status == validate.StatusFailed && rec.Remediation != "" {
				fmt.Fprintf(io.Out, "\n%s %s: %s\n  %s\n", cs.Red("✗"), rec.Organization+"/"+rec.Repository,
					firstLine(rec.ErrorMessage), strings.TrimSpace(rec.Remediation))
			}
		}
		fmt.Fprintf(io.Out, "\nrun %s (%s): janitor query-runs, janitor query-db --repo <name>\n", sum.Run.ID, sum.Status)
	}
	return nil
}
