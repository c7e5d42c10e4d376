package gpu

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestQueryArgs(t *testing.T) {
	t.Parallel()
	want := []string{"--query-gpu=index,name,uuid,memory.total,driver_version", "--format=csv,noheader,nounits"}
	if got := QueryArgs(); !reflect.DeepEqual(got, want) {
		t.Errorf("QueryArgs() = %q, want %q", got, want)
	}
}

func h100(i int, uuid string) Device {
	return Device{Index: i, Name: "NVIDIA H100 80GB HBM3", UUID: uuid, MemoryMiB: 81559, DriverVersion: "550.90.07"}
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		want    []Device
		wantErr string
	}{
		{file: "h100.query.csv", want: []Device{{0, "NVIDIA H100 80GB HBM3", "GPU-9d7f3c2e-5b1a-4c8e-a1f0-3e6b2d4c7a91", 81559, "550.54.15"}}},
		{file: "a100.query.csv", want: []Device{{0, "NVIDIA A100-SXM4-80GB", "GPU-2f4b6d8a-1c3e-4f5a-9b7d-8e0c2a4f6b13", 81920, "535.129.03"}}},
		{file: "rtx4090.query.csv", want: []Device{{0, "NVIDIA GeForce RTX 4090", "GPU-c8a1e7f2-6d3b-4a9e-b5c2-71f0d8e3a4b6", 24564, "545.29.06"}}},
		{file: "h100x4.query.csv", want: []Device{
			h100(0, "GPU-1a2b3c4d-0000-4000-8000-000000000001"),
			h100(1, "GPU-1a2b3c4d-0000-4000-8000-000000000002"),
			h100(2, "GPU-1a2b3c4d-0000-4000-8000-000000000003"),
			h100(3, "GPU-1a2b3c4d-0000-4000-8000-000000000004"),
		}},
		{file: "driver-failed.txt", wantErr: "wrong number of fields"},
		{file: "h100.report.txt", wantErr: "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := parseQuery(readTestdata(t, tt.file))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseQuery error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseQuery =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseQueryBadNumbers(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"x, NVIDIA H100 80GB HBM3, GPU-1, 81559, 550.54.15\n",
		"0, NVIDIA H100 80GB HBM3, GPU-1, [N/A], 550.54.15\n",
	} {
		if _, err := parseQuery([]byte(in)); err == nil {
			t.Errorf("parseQuery(%q) accepted a non-number", in)
		}
	}
	if got, err := parseQuery(nil); err != nil || len(got) != 0 || got == nil {
		t.Errorf("parseQuery(empty) = %#v, %v; want an empty list", got, err)
	}
}

func TestCUDAFromReport(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"h100.report.txt":    "12.4",
		"a100.report.txt":    "12.2",
		"rtx4090.report.txt": "12.3",
		"h100x4.report.txt":  "12.4",
		"t4-old.report.txt":  "11.4",
		"driver-failed.txt":  "",
		"h100.query.csv":     "",
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			if got := CUDAFromReport(readTestdata(t, file)); got != want {
				t.Errorf("CUDAFromReport = %q, want %q", got, want)
			}
		})
	}
}

// fakeSMI puts an nvidia-smi script first on PATH: it records its arguments
// in args.txt, prints query (for --query-gpu) or report (otherwise) and
// exits with code; a report of "hang" makes it sleep instead.
func fakeSMI(t *testing.T, query, report string, code int) (argsFile string) {
	t.Helper()
	dir := t.TempDir()
	argsFile = filepath.Join(dir, "args.txt")
	for name, file := range map[string]string{"query": query, "report": report} {
		if file == "" || file == "hang" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), readTestdata(t, file), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hang := ""
	if report == "hang" {
		hang = "exec sleep 60\n"
	}
	script := "#!/bin/sh\n" +
		"echo \"$@\" >> '" + argsFile + "'\n" +
		hang +
		"case \"$1\" in --query-gpu=*) f=query ;; *) f=report ;; esac\n" +
		"[ -f '" + dir + "'/$f ] && cat '" + dir + "'/$f\n" +
		"exit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "nvidia-smi"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return argsFile
}

// These tests change PATH, so they do not run in parallel.
func TestDetect(t *testing.T) {
	tests := []struct {
		name          string
		query, report string
		code          int
		want          Host
		wantProblem   string
		wantErr       string
	}{
		{
			name: "one H100", query: "h100.query.csv", report: "h100.report.txt",
			want: Host{Available: true, DriverVersion: "550.54.15", CUDAVersion: "12.4", Devices: []Device{
				{0, "NVIDIA H100 80GB HBM3", "GPU-9d7f3c2e-5b1a-4c8e-a1f0-3e6b2d4c7a91", 81559, "550.54.15"},
			}},
		},
		{
			name: "four H100", query: "h100x4.query.csv", report: "h100x4.report.txt",
			want: Host{Available: true, DriverVersion: "550.90.07", CUDAVersion: "12.4", Devices: []Device{
				h100(0, "GPU-1a2b3c4d-0000-4000-8000-000000000001"),
				h100(1, "GPU-1a2b3c4d-0000-4000-8000-000000000002"),
				h100(2, "GPU-1a2b3c4d-0000-4000-8000-000000000003"),
				h100(3, "GPU-1a2b3c4d-0000-4000-8000-000000000004"),
			}},
		},
		{
			name: "driver not loaded", query: "driver-failed.txt", report: "driver-failed.txt", code: 9,
			wantProblem: "nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
		},
		{
			name: "no devices", query: "no-devices.txt", report: "no-devices.txt", code: 6,
			wantProblem: "nvidia-smi failed (exit 6): No devices were found",
		},
		{
			name: "library mismatch", query: "nvml-mismatch.txt", report: "nvml-mismatch.txt", code: 8,
			wantProblem: "Failed to initialize NVML: Driver/library version mismatch",
		},
		{
			name: "empty list", query: "", report: "h100.report.txt",
			wantProblem: "nvidia-smi listed no GPU",
		},
		{
			name: "unreadable output", query: "h100.report.txt", report: "h100.report.txt",
			wantErr: "read the GPU list",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			argsFile := fakeSMI(t, tt.query, tt.report, tt.code)
			got, err := Detect(t.Context())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Detect error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantProblem != "" {
				if got.Available || !strings.Contains(got.Problem, tt.wantProblem) {
					t.Fatalf("Detect = %+v, want unavailable with problem %q", got, tt.wantProblem)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Detect =\n%+v\nwant\n%+v", got, tt.want)
			}
			args, err := os.ReadFile(argsFile)
			if err != nil {
				t.Fatal(err)
			}
			wantArgs := strings.Join(QueryArgs(), " ") + "\n\n"
			if string(args) != wantArgs {
				t.Errorf("nvidia-smi was run with %q, want %q", args, wantArgs)
			}
		})
	}
}

func TestDetectWithoutNvidiaSMI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	got, err := Detect(t.Context())
	if err != nil {
		t.Fatalf("Detect without nvidia-smi: %v, want no error", err)
	}
	if got.Available || len(got.Devices) != 0 || !strings.Contains(got.Problem, "not found on PATH") {
		t.Errorf("Detect without nvidia-smi = %+v", got)
	}
}

func TestDetectCancelled(t *testing.T) {
	fakeSMI(t, "", "hang", 0)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Detect(ctx)
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("Detect with a hanging nvidia-smi = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Detect took %v to give up on a hanging nvidia-smi", d)
	}
}
