package lint

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/moby/patternmatcher"

	"github.com/runpod-workers/janitor/pkg/lint/dockerfile"
	"github.com/runpod-workers/janitor/pkg/lint/script"
)

func TestParseSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec                       string
		name                       string
		pinned, vcs, vcsPin, local bool
	}{
		{"runpod==1.7.9", "runpod", true, false, false, false},
		{"runpod", "runpod", false, false, false, false},
		{"runpod>=1.6", "runpod", false, false, false, false},
		{"runpod>=1.6,<2", "runpod", true, false, false, false},
		{"runpod~=1.7.0", "runpod", true, false, false, false},
		{"runpod==1.*", "runpod", false, false, false, false},
		{"Torch_Vision[extra] == 0.19.0 ; python_version >= '3.9'", "torch-vision", true, false, false, false},
		{"git+https://github.com/o/lib.git#egg=lib", "lib", false, true, false, false},
		{"git+https://github.com/o/lib.git@1f0e3b7c9a2d#egg=lib", "lib", false, true, true, false},
		{"git+https://github.com/o/lib.git@main", "", false, true, false, false},
		{"lib @ git+https://github.com/o/lib@0123456789abcdef0123456789abcdef01234567", "lib", false, true, true, false},
		{"lib @ https://files.example.invalid/lib-1.0.whl", "lib", true, false, false, false},
		{"./wheels/x.whl", "", true, false, false, true},
		{".", "", true, false, false, true},
	}
	for _, tt := range tests {
		r := parseSpec(tt.spec)
		if r.name != tt.name || r.pinned != tt.pinned || r.vcs != tt.vcs || r.vcsPinned != tt.vcsPin || r.local != tt.local {
			t.Errorf("parseSpec(%q) = %+v", tt.spec, r)
		}
	}
}

func TestParseRequirements(t *testing.T) {
	t.Parallel()
	rf := parseRequirements([]byte("# tools\n-r base.txt\n--constraint=../c.txt\n-e git+https://x.invalid/o/r#egg=r\nrunpod==1.7.9  # pinned\nnumpy \\\n  >=1.26\n\n--extra-index-url https://x.invalid\n"), "builder/requirements.txt")
	if !reflect.DeepEqual(rf.includes, []string{"builder/base.txt", "c.txt"}) {
		t.Errorf("includes = %v", rf.includes)
	}
	var got []string
	for _, r := range rf.reqs {
		got = append(got, r.name+"@"+itoa(r.line))
	}
	if want := []string{"r@4", "runpod@5", "numpy@6"}; !reflect.DeepEqual(got, want) {
		t.Errorf("reqs = %v, want %v", got, want)
	}
}

func TestParsePyproject(t *testing.T) {
	t.Parallel()
	reqs := parsePyproject([]byte(`[project]
name = "worker"
dependencies = [
    "runpod==1.7.9",
    "pillow[avif]>=10", # images
]
[project.optional-dependencies]
gpu = ["torch==2.4.0"]
[tool.poetry.dependencies]
python = "^3.11"
requests = "2.32.3"
lib = {git = "https://x.invalid/lib.git"}
`), "pyproject.toml")
	var got []string
	for _, r := range reqs {
		got = append(got, r.name+":"+map[bool]string{true: "pinned", false: "open"}[r.pinned || r.vcsPinned])
	}
	want := []string{"runpod:pinned", "pillow:open", "torch:pinned", "requests:pinned", "lib:open"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pyproject = %v, want %v", got, want)
	}
}

func TestParsePipInstall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cmd  string
		ok   bool
		want pipInstall
	}{
		{"pip install -r requirements.txt", true, pipInstall{reqFiles: []string{"requirements.txt"}}},
		{"sudo -H python3.11 -m pip install --no-cache-dir -U torch==2.4 -rreq.txt --index-url https://x.invalid", true,
			pipInstall{specs: []string{"torch==2.4"}, reqFiles: []string{"req.txt"}}},
		{"uv pip install --system -e . -c constraints.txt vllm", true, pipInstall{specs: []string{"vllm"}, editables: []string{"."}, constraints: true}},
		{"PIP_NO_CACHE=1 pip3 install --requirement=/app/r.txt", true, pipInstall{reqFiles: []string{"/app/r.txt"}}},
		{"pip download torch", false, pipInstall{}},
		{"python -c 'import pip'", false, pipInstall{}},
	}
	for _, tt := range tests {
		got, ok := parsePipInstall(strings.Fields(tt.cmd))
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parsePipInstall(%q) = %+v, %v", tt.cmd, got, ok)
		}
	}
}

func TestStripWrappers(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"exec python h.py":                                  "python h.py",
		"env -i A=1 B=2 nohup python h.py":                  "python h.py",
		"/usr/bin/tini -g -- python h.py":                   "python h.py",
		"gosu worker python h.py":                           "python h.py",
		"uv run --frozen python h.py":                       "python h.py",
		"conda run -n base --no-capture-output python h.py": "python h.py",
		"X=1 Y=2": "",
	}
	for in, want := range tests {
		if got := strings.Join(stripWrappers(strings.Fields(in)), " "); got != want {
			t.Errorf("stripWrappers(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCUDAFromImage(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04":                                        "12.4",
		"nvcr.io/nvidia/cuda:11.8.0-base-ubuntu22.04":                                         "11.8",
		"runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04":                            "12.4",
		"pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime":                                       "12.1",
		"runpod/base:0.6.2-cuda12.2.0":                                                        "12.2",
		"ghcr.io/example/worker:1.0-cu118":                                                    "11.8",
		"vllm/vllm-openai:v0.6.3":                                                             "",
		"python:3.11-slim":                                                                    "",
		"nvidia/cuda@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef": "",
		"not a reference":                                                                     "",
	}
	for image, want := range tests {
		if got := cudaFromImage(image); got != want {
			t.Errorf("cudaFromImage(%q) = %q, want %q", image, got, want)
		}
	}
	if compareVersions("12.10", "12.9") != 1 || compareVersions("11.8", "12.1") != -1 || compareVersions("12.4", "12.4") != 0 {
		t.Error("compareVersions")
	}
}

func TestSecretName(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"HF_TOKEN", "OPENAI_API_KEY", "db_password", "AWS_SECRET_ACCESS_KEY", "HFTOKEN", "GITHUB-TOKEN", "SSH_KEY"} {
		if !secretName(n) {
			t.Errorf("%s is not taken for a secret", n)
		}
	}
	for _, n := range []string{"MAX_TOKENS", "TOKENIZERS_PARALLELISM", "PUBLIC_KEY", "KEYCLOAK_URL", "MONKEY", "CUDA_VISIBLE_DEVICES"} {
		if secretName(n) {
			t.Errorf("%s is taken for a secret", n)
		}
	}
}

func TestClonePinned(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"git clone https://x.invalid/r":                                   false,
		"git clone --branch main https://x.invalid/r":                     false,
		"git clone -b v1.2.3 https://x.invalid/r":                         true,
		"git clone --branch=$REF https://x.invalid/r":                     true,
		"git clone https://x.invalid/r && cd r && git checkout 3f2c1a9":   true,
		"git clone https://x.invalid/r && git -C r reset --hard abcdef12": true,
		"git clone https://x.invalid/r && git -C r checkout main":         false,
	}
	for src, want := range tests {
		cmds := script.Split(src)
		if got := clonePinned(cmds[0].Words, cmds[1:]); got != want {
			t.Errorf("clonePinned(%q) = %v, want %v", src, got, want)
		}
	}
}

func TestModelDownload(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"huggingface-cli download org/m":                                                          true,
		"hf download org/m --local-dir /m":                                                        true,
		"wget -q https://huggingface.co/org/m/resolve/main/model.safetensors":                     true,
		"curl -L -o /m.ckpt https://files.example.invalid/m.ckpt":                                 true,
		"ollama pull llama3":                                                                      true,
		"git clone https://huggingface.co/org/m":                                                  true,
		"python -c 'from huggingface_hub import snapshot_download; snapshot_download(\"org/m\")'": true,
		"python /download_models.py":                                                              true,
		"curl -fsSL https://x.invalid/install.sh":                                                 false,
		"pip install transformers":                                                                false,
	}
	for src, want := range tests {
		w := script.Split(src)[0].Words
		if got := modelDownload(w) != ""; got != want {
			t.Errorf("modelDownload(%q) = %v, want %v", src, got, want)
		}
	}
}

func TestImageMapping(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"src/a.py":          {Data: []byte("a")},
		"src/pkg/b.py":      {Data: []byte("b")},
		"src/pkg/c.txt":     {Data: []byte("c")},
		"start.sh":          {Data: []byte("s")},
		"secret/key.pem":    {Data: []byte("k")},
		"secret/public.txt": {Data: []byte("p")},
	}
	tr, err := loadTree(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	df, err := dockerfile.Parse([]byte(`FROM python:3.11 AS build
WORKDIR /build
COPY src/ ./code/
COPY src/**/*.py /py/
COPY secret /secret
COPY *.sh missing*.txt /bin/
FROM python:3.11-slim
COPY --from=build /build/code /app
COPY --from=build /py/b.py /b.py
COPY start.sh /usr/local/bin/start
`))
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New([]string{"secret", "!secret/public.txt"})
	if err != nil {
		t.Fatal(err)
	}
	img, problems := newImage(df, tr, pm)
	var probs []string
	for _, p := range problems {
		probs = append(probs, p.source)
	}
	if !reflect.DeepEqual(probs, []string{"missing*.txt"}) {
		t.Errorf("problems = %v", probs)
	}
	tests := []struct {
		stage int
		path  string
		want  string
	}{
		{0, "/build/code/pkg/b.py", "src/pkg/b.py"},
		{0, "/py/a.py", "src/a.py"},
		{0, "/py/b.py", "src/pkg/b.py"},
		{0, "/secret/public.txt", "secret/public.txt"},
		{0, "/secret/key.pem", ""},
		{0, "/bin/start.sh", "start.sh"},
		{1, "/app/a.py", "src/a.py"},
		{1, "/app/pkg/c.txt", "src/pkg/c.txt"},
		{1, "/b.py", "src/pkg/b.py"},
		{1, "/usr/local/bin/start", "start.sh"},
		{1, "/build/code/a.py", ""},
	}
	for _, tt := range tests {
		got, _ := img.resolve(tt.stage, -1, tt.path)
		if got != tt.want {
			t.Errorf("resolve(%d, %s) = %q, want %q", tt.stage, tt.path, got, tt.want)
		}
	}
}
