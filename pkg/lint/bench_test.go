package lint

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
)

// genRepo writes a generated worker repository: a multi-stage Dockerfile
// with ARGs and a start script, a handler importing a helper module, Hub
// files, requirements, a test, a workflow, and extra files spread over
// src/, assets/ and configs/. Variant i changes the base image, the handler
// kind and the layout so runs do not all take the same path.
func genRepo(tb testing.TB, dir string, i, extra int) {
	tb.Helper()
	base := []string{"python:3.11-slim", "nvidia/cuda:12.4.1-runtime-ubuntu22.04", "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04"}[i%3]
	yield := map[bool]string{true: "    yield {\"out\": result}\n", false: "    return {\"out\": result}\n"}[i%4 == 0]
	files := map[string]string{
		"Dockerfile": fmt.Sprintf(`# syntax=docker/dockerfile:1
ARG BASE_IMAGE=%s
FROM ${BASE_IMAGE} AS build
WORKDIR /build
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip pip install --prefix=/install -r requirements.txt
FROM ${BASE_IMAGE}
ENV PYTHONUNBUFFERED=1
WORKDIR /app
COPY --from=build /install /usr/local
COPY src/ /app/src/
COPY start.sh test_input.json /app/
RUN chmod +x /app/start.sh
CMD ["/app/start.sh"]
`, base),
		"start.sh":         "#!/bin/bash\nset -e\ncd /app\nexec python -u src/handler.py\n",
		"requirements.txt": fmt.Sprintf("runpod==1.7.%d\nrequests==2.32.3\npillow==10.4.0\n", i%10),
		"src/handler.py": "import os\nimport runpod\n\nfrom src.util import transform\n\n\ndef handler(job):\n    result = transform(job[\"input\"])\n" + yield +
			"\n\nrunpod.serverless.start({\"handler\": handler})\n",
		"src/__init__.py":    "",
		"src/util.py":        "def transform(x):\n    return x\n",
		"test_input.json":    fmt.Sprintf(`{"input": {"prompt": "case %d", "steps": 20}}`, i),
		"tests/test_util.py": "import pytest\n\nfrom src.util import transform\n\n\ndef test_transform():\n    assert transform(1) == 1\n",
		".runpod/hub.json": `{"title": "Generated worker", "description": "A worker generated for janitor's benchmarks.", "type": "serverless", "category": "image",
  "config": {"runsOn": "GPU", "gpuIds": "ADA_24,AMPERE_24", "gpuCount": 1, "containerDiskInGb": 20, "allowedCudaVersions": ["12.4", "12.5"],
  "env": [{"key": "STEPS", "input": {"name": "Steps", "type": "number", "default": 20, "min": 1, "max": 100}}],
  "presets": [{"name": "fast", "defaults": {"STEPS": 8}}]}}`,
		".runpod/tests.json": fmt.Sprintf(`{"tests": [{"name": "basic", "input": {"prompt": "case %d", "steps": 20}, "timeout": 120000}],
  "config": {"gpuTypeId": "NVIDIA GeForce RTX 4090", "gpuCount": 1, "allowedCudaVersions": ["12.4", "12.5"]}}`, i),
		".github/workflows/ci.yml": "on:\n  push:\n    paths: [\"src/**\", \"Dockerfile\"]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker/build-push-action@v6\n        with:\n          file: Dockerfile\n",
		".dockerignore":            ".git\ntests/\n*.md\n",
		"README.md":                "# generated\n",
	}
	for j := 0; j < extra; j++ {
		switch j % 3 {
		case 0:
			files[fmt.Sprintf("src/models/m%03d.py", j)] = fmt.Sprintf("def model_%d(x):\n    return x * %d\n", j, j)
		case 1:
			files[fmt.Sprintf("assets/a%03d.txt", j)] = "asset\n"
		default:
			files[fmt.Sprintf("configs/c%03d.yaml", j)] = "key: value\n"
		}
	}
	writeFiles(tb, dir, files)
}

// BenchmarkLintTypical lints one typical worker repository of about 300
// files from disk. Target: under 20 ms per run.
func BenchmarkLintTypical(b *testing.B) {
	dir := b.TempDir()
	genRepo(b, dir, 1, 300)
	rep, err := Run(b.Context(), dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if rep.Facts.Handler != "src/handler.py" {
		b.Fatalf("generated repository not understood: %+v", rep.Facts)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(b.Context(), dir, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLint1000Repos lints 1,000 generated repositories one after the
// other on one goroutine; one op is all 1,000. Target: under 10 s on one
// core (run with -cpu 1).
func BenchmarkLint1000Repos(b *testing.B) {
	root := b.TempDir()
	dirs := make([]string, 1000)
	for i := range dirs {
		dirs[i] = filepath.Join(root, fmt.Sprintf("repo-%04d", i))
		genRepo(b, dirs[i], i, 10)
	}
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		for _, d := range dirs {
			if _, err := Run(b.Context(), d, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
