// Package gpu finds the host's NVIDIA GPUs by running nvidia-smi, and checks
// a CUDA version against a worker's allowedCudaVersions (hub.json and
// .runpod/tests.json, rule JW049 in docs/worker-repos.md).
//
// A host without nvidia-smi on PATH has no GPU; that is an answer, not an
// error. So is an nvidia-smi that runs but cannot reach the driver: Detect
// reports the GPU unavailable and says why in Host.Problem.
package gpu

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Device is one GPU as nvidia-smi lists it.
type Device struct {
	Index         int    `json:"index"`
	Name          string `json:"name"`
	UUID          string `json:"uuid"`
	MemoryMiB     int64  `json:"memory_mib"`
	DriverVersion string `json:"driver_version"`
}

// Host is what Detect learnt about the machine's NVIDIA GPUs.
type Host struct {
	// Available is true when nvidia-smi answered and listed at least one GPU.
	Available bool `json:"available"`
	// Devices lists the GPUs in nvidia-smi's order; empty when unavailable.
	Devices []Device `json:"devices"`
	// DriverVersion is the driver's version, such as "550.54.15".
	DriverVersion string `json:"driver_version,omitempty"`
	// CUDAVersion is the highest CUDA version the driver supports, as the
	// header of nvidia-smi prints it ("12.4"); empty when it does not say.
	CUDAVersion string `json:"cuda_version,omitempty"`
	// Problem says why no GPU is available: no nvidia-smi, or its own
	// message when it failed. Empty when Available.
	Problem string `json:"problem,omitempty"`
}

// smiTimeout bounds one nvidia-smi call: a wedged driver can make it hang.
const smiTimeout = 30 * time.Second

// queryFields are the columns Detect asks for, in the order parseQuery reads.
const queryFields = "index,name,uuid,memory.total,driver_version"

// QueryArgs returns the arguments that make nvidia-smi list the GPUs as CSV
// rows of index, name, uuid, total memory in MiB and driver version. Callers
// can run the same query inside a container.
func QueryArgs() []string {
	return []string{"--query-gpu=" + queryFields, "--format=csv,noheader,nounits"}
}

// Detect runs nvidia-smi (found on PATH) to list the host's GPUs and read the
// driver's CUDA version. It returns an error only when it could not get an
// answer: ctx ended, or nvidia-smi printed something it cannot read.
func Detect(ctx context.Context) (Host, error) {
	bin, err := exec.LookPath("nvidia-smi")
	if err != nil {
		return Host{Problem: "nvidia-smi not found on PATH: no NVIDIA driver on this host"}, nil
	}
	out, problem, err := runSMI(ctx, bin, QueryArgs())
	if err != nil || problem != "" {
		return Host{Problem: problem}, err
	}
	devices, err := parseQuery(out)
	if err != nil {
		return Host{}, fmt.Errorf("read the GPU list from %s: %w", bin, err)
	}
	if len(devices) == 0 {
		return Host{Problem: "nvidia-smi listed no GPU"}, nil
	}
	h := Host{Available: true, Devices: devices, DriverVersion: devices[0].DriverVersion}
	// The CUDA version is only in the plain report's header.
	out, problem, err = runSMI(ctx, bin, nil)
	if err != nil {
		return Host{}, err
	}
	if problem == "" {
		h.CUDAVersion = CUDAFromReport(out)
	}
	return h, nil
}

// runSMI runs nvidia-smi with args. A non-zero exit is a problem (its message),
// not an error; the error is for ctx ending or the program not starting.
func runSMI(ctx context.Context, bin string, args []string) (out []byte, problem string, err error) {
	ctx, cancel := context.WithTimeout(ctx, smiTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, "", fmt.Errorf("run %s: %w", bin, context.Cause(ctx))
	}
	var exit *exec.ExitError
	switch {
	case errors.As(runErr, &exit):
		msg := firstLine(stdout.String() + "\n" + stderr.String())
		return nil, fmt.Sprintf("nvidia-smi failed (exit %d): %s", exit.ExitCode(), msg), nil
	case runErr != nil:
		return nil, "", fmt.Errorf("run %s: %w", bin, runErr)
	}
	return stdout.Bytes(), "", nil
}

// firstLine returns the first non-blank line of s, trimmed.
func firstLine(s string) string {
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return "no output"
}

// parseQuery reads the CSV that QueryArgs asks for.
func parseQuery(out []byte) ([]Device, error) {
	r := csv.NewReader(bytes.NewReader(out))
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = strings.Count(queryFields, ",") + 1
	devices := []Device{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return devices, nil
		}
		if err != nil {
			return nil, fmt.Errorf("nvidia-smi query output: %w", err)
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		idx, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, fmt.Errorf("nvidia-smi query output: GPU index %q: %w", rec[0], err)
		}
		mem, err := strconv.ParseInt(rec[3], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("nvidia-smi query output: memory of GPU %d %q: %w", idx, rec[3], err)
		}
		devices = append(devices, Device{Index: idx, Name: rec[1], UUID: rec[2], MemoryMiB: mem, DriverVersion: rec[4]})
	}
}

var cudaHeader = regexp.MustCompile(`CUDA Version:\s*([0-9]+\.[0-9]+)`)

// CUDAFromReport returns the CUDA version in the header of nvidia-smi's plain
// report ("CUDA Version: 12.4" gives "12.4"), or "" when there is none.
func CUDAFromReport(out []byte) string {
	m := cudaHeader.FindSubmatch(out)
	if m == nil {
		return ""
	}
	return string(m[1])
}
