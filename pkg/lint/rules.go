package lint

// Rule is one entry of the rule catalogue. IDs are stable: they appear in
// JSON output, in the database and in suppressions, so a rule is never
// renumbered; new rules are added at the end.
type Rule struct {
	ID string
	// Severity is the rule's usual severity; Also says when a finding of
	// the rule gets another one.
	Severity Severity
	Also     string
	// Group is the catalogue section: Dockerfile, Handler, test_input.json,
	// Hub files or Repository hygiene.
	Group string
	// Title is the catalogue's one-line description.
	Title string
	// Why the rule matters.
	Why string
	// Bad triggers the rule; Good is the same thing done right.
	Bad, Good Example
	// Fix is the default remediation sentence of the rule's findings.
	Fix string
}

// Example is a file excerpt in the rule documentation.
type Example struct {
	File string
	Text string
}

// Rule IDs, named for what they find.
const (
	NoDockerfile          = "JW001"
	DockerfileInvalid     = "JW002"
	UnresolvedFrom        = "JW003"
	BaseNotPinned         = "JW004"
	CopySourceMissing     = "JW005"
	BuildKitRequired      = "JW006"
	ShellFormEntry        = "JW007"
	NoEntry               = "JW008"
	SecretInBuild         = "JW009"
	FromAsCasing          = "JW010"
	NonHermeticStep       = "JW011"
	ModelDownload         = "JW012"
	NoHandler             = "JW013"
	HandlerKind           = "JW014"
	HandlerLocation       = "JW015"
	RunpodRequirement     = "JW016"
	UnpinnedVCS           = "JW017"
	NoTestInput           = "JW018"
	TestInputInvalid      = "JW019"
	TestInputNotInWorkdir = "JW020"
	TestInputDiffers      = "JW021"
	NoHubFolder           = "JW022"
	HubInvalid            = "JW023"
	UnknownGPUPool        = "JW024"
	HubEnvInvalid         = "JW025"
	PresetUnknownKey      = "JW026"
	PlaceholderMetadata   = "JW027"
	HubWithoutTests       = "JW028"
	TestsInvalid          = "JW029"
	TestsConfigInvalid    = "JW030"
	CUDAVersions          = "JW031"
	TestsEnvMissing       = "JW032"
	GPULikely             = "JW033"
	WorkflowPathMissing   = "JW034"
	TestImportMissing     = "JW035"
	LegacyTests           = "JW036"
	BakeFile              = "JW037"
)

// Rules returns the catalogue in ID order. The slice is a copy.
func Rules() []Rule { return append([]Rule(nil), catalogue...) }

// RuleByID returns the rule with the given ID.
func RuleByID(id string) (Rule, bool) {
	r, ok := ruleIndex[id]
	return r, ok
}

var ruleIndex = func() map[string]Rule {
	m := make(map[string]Rule, len(catalogue))
	for _, r := range catalogue {
		m[r.ID] = r
	}
	return m
}()

var catalogue = []Rule{
	{
		ID: NoDockerfile, Severity: Error, Group: "Dockerfile",
		Title: "no Dockerfile (root or `.runpod/Dockerfile`, which takes precedence)",
		Why:   "RunPod builds the worker image from the repository's Dockerfile; without one there is nothing to build or run.",
		Bad:   Example{"(repository root)", "handler.py\nrequirements.txt"},
		Good:  Example{"(repository root)", "Dockerfile\nhandler.py\nrequirements.txt"},
		Fix:   "Add a Dockerfile at the repository root (or at .runpod/Dockerfile) that installs the requirements and starts the handler.",
	},
	{
		ID: DockerfileInvalid, Severity: Error, Group: "Dockerfile",
		Title: "Dockerfile does not parse, or has no FROM",
		Why:   "A Dockerfile BuildKit cannot parse fails the build at once; janitor also cannot check anything else in it.",
		Bad:   Example{"Dockerfile", "RUN pip install runpod\nFROM python:3.11-slim"},
		Good:  Example{"Dockerfile", "FROM python:3.11-slim\nRUN pip install runpod==1.7.9"},
		Fix:   "Fix the syntax error at the line given; every Dockerfile needs a FROM before any other instruction except ARG.",
	},
	{
		ID: UnresolvedFrom, Severity: Error, Group: "Dockerfile",
		Title: "a FROM still holds an unresolved variable after substituting ARG defaults declared before the first FROM and stage names",
		Why:   "Only ARGs declared before the first FROM can be used in FROM. An ARG without a default, or one declared later, leaves the image name empty and the build fails unless every builder passes --build-arg.",
		Bad:   Example{"Dockerfile", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}"},
		Good:  Example{"Dockerfile", "ARG BASE_IMAGE=nvidia/cuda:12.4.1-runtime-ubuntu22.04\nFROM ${BASE_IMAGE}"},
		Fix:   "Give the ARG a default value and declare it before the first FROM.",
	},
	{
		ID: BaseNotPinned, Severity: Warning, Also: "info when the image is pinned by tag but not by digest", Group: "Dockerfile",
		Title: "base image not pinned (no tag, `latest`); I when pinned by tag but not by digest",
		Why:   "An unpinned base image changes under the worker: a rebuild can pull a different CUDA, Python or OS and break a worker nobody touched. A tag can still be moved; a digest cannot.",
		Bad:   Example{"Dockerfile", "FROM python:latest"},
		Good:  Example{"Dockerfile", "FROM python:3.11-slim@sha256:<digest>"},
		Fix:   "Pin the base image to a version tag and, for reproducible builds, a digest (image:tag@sha256:...).",
	},
	{
		ID: CopySourceMissing, Severity: Error, Also: "warning for a wildcard that matches nothing", Group: "Dockerfile",
		Title: "a COPY/ADD source (not `--from`, not a URL) is missing from the build context after `.dockerignore`; W for a wildcard that matches nothing",
		Why:   "docker build stops with \"not found\" when a COPY source is not in the build context, which is the repository minus what .dockerignore excludes.",
		Bad:   Example{"Dockerfile", "COPY src/handler.py /handler.py   # src/ does not exist, or .dockerignore excludes it"},
		Good:  Example{"Dockerfile", "COPY handler.py /handler.py"},
		Fix:   "Correct the source path, add the missing file, or stop excluding it in .dockerignore.",
	},
	{
		ID: BuildKitRequired, Severity: Info, Group: "Dockerfile",
		Title: "BuildKit required (`RUN --mount`, `COPY --chmod/--link`, heredocs, `# syntax=`)",
		Why:   "The legacy builder rejects these constructs; builds only work where BuildKit is enabled (DOCKER_BUILDKIT=1 or docker buildx).",
		Bad:   Example{"Dockerfile", "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt"},
		Good:  Example{"Dockerfile", "RUN pip install --no-cache-dir -r requirements.txt"},
		Fix:   "Build with BuildKit (DOCKER_BUILDKIT=1 or docker buildx build), or use only classic Dockerfile syntax.",
	},
	{
		ID: ShellFormEntry, Severity: Warning, Group: "Dockerfile",
		Title: "CMD/ENTRYPOINT in shell form",
		Why:   "In shell form the handler runs under /bin/sh -c: sh is PID 1, SIGTERM never reaches Python, and the worker is killed instead of shutting down.",
		Bad:   Example{"Dockerfile", "CMD python -u handler.py"},
		Good:  Example{"Dockerfile", "CMD [\"python\", \"-u\", \"handler.py\"]"},
		Fix:   "Use the exec form: CMD [\"python\", \"-u\", \"handler.py\"] (in a start script, `exec` the last command).",
	},
	{
		ID: NoEntry, Severity: Error, Also: "warning when the base image may supply one", Group: "Dockerfile",
		Title: "final stage has no CMD or ENTRYPOINT (W when the base image may supply one)",
		Why:   "Without a command the container runs the base image's default (often a shell) and the handler never starts.",
		Bad:   Example{"Dockerfile", "FROM python:3.11-slim\nCOPY handler.py /\n"},
		Good:  Example{"Dockerfile", "FROM python:3.11-slim\nCOPY handler.py /\nCMD [\"python\", \"-u\", \"/handler.py\"]"},
		Fix:   "End the final stage with CMD [\"python\", \"-u\", \"handler.py\"] (or an ENTRYPOINT) that starts the handler.",
	},
	{
		ID: SecretInBuild, Severity: Warning, Group: "Dockerfile",
		Title: "secret-looking name (TOKEN, KEY, SECRET, PASSWORD) passed as build ARG or ENV",
		Why:   "Build arguments and ENV values are stored in the image and its history; anyone who can pull the image can read them.",
		Bad:   Example{"Dockerfile", "ARG HF_TOKEN\nENV HF_TOKEN=${HF_TOKEN}"},
		Good:  Example{"Dockerfile", "RUN --mount=type=secret,id=hf_token HF_TOKEN=$(cat /run/secrets/hf_token) python download.py"},
		Fix:   "Pass secrets at run time as endpoint environment variables, or at build time with RUN --mount=type=secret.",
	},
	{
		ID: FromAsCasing, Severity: Warning, Group: "Dockerfile",
		Title: "`FROM ... as` keyword casing differs from `FROM`",
		Why:   "BuildKit warns about it (FromAsCasing) on every build; consistent casing keeps build logs clean.",
		Bad:   Example{"Dockerfile", "FROM python:3.11-slim as builder"},
		Good:  Example{"Dockerfile", "FROM python:3.11-slim AS builder"},
		Fix:   "Write AS in the same case as FROM.",
	},
	{
		ID: NonHermeticStep, Severity: Warning, Group: "Dockerfile",
		Title: "non-hermetic step: `curl|sh`/`wget|sh`, `git clone` without a pinned ref, unpinned `pip install` of packages inside RUN",
		Why:   "The step installs whatever the network serves on the day of the build; the same commit can build a different image tomorrow, or stop building.",
		Bad:   Example{"Dockerfile", "RUN curl -fsSL https://example.invalid/install.sh | sh\nRUN git clone https://github.com/org/tool\nRUN pip install transformers"},
		Good:  Example{"Dockerfile", "RUN git clone https://github.com/org/tool && git -C tool checkout 3f2c1a9\nRUN pip install transformers==4.44.2"},
		Fix:   "Pin what the step fetches: a version for pip packages, a tag or commit for git clones, a checked download for install scripts.",
	},
	{
		ID: ModelDownload, Severity: Info, Group: "Dockerfile",
		Title: "model download during build (expect a large image and a long build)",
		Why:   "Baking model weights into the image makes it large and the build long; RunPod GitHub builds stop at 30 minutes and 80 GB.",
		Bad:   Example{"Dockerfile", "RUN huggingface-cli download org/model --local-dir /models"},
		Good:  Example{"Dockerfile", "# download at start-up into a network volume, or use a cached model\nENV MODEL_NAME=org/model"},
		Fix:   "Expect a long build and a large image; consider loading the model at start-up or from a network volume instead.",
	},
	{
		ID: NoHandler, Severity: Error, Group: "Handler",
		Title: "no handler found: follow the final stage's CMD/ENTRYPOINT to a `.py` file (map image paths back through COPY/ADD; read a shell script for `python ... X.py`); fallback: any `.py` calling `runpod.serverless.start(`",
		Why:   "A worker is a Python handler started with runpod.serverless.start; without one the container never takes a job.",
		Bad:   Example{"handler.py", "def handler(job):\n    return job[\"input\"]"},
		Good:  Example{"handler.py", "import runpod\n\ndef handler(job):\n    return job[\"input\"]\n\nrunpod.serverless.start({\"handler\": handler})"},
		Fix:   "Add a handler that calls runpod.serverless.start({\"handler\": handler}) and start it from CMD.",
	},
	{
		ID: HandlerKind, Severity: Info, Also: "reported only for generator handlers and handlers janitor cannot classify (the kind is always in the JSON facts); error when the entry never reaches `runpod.serverless.start`", Group: "Handler",
		Title: "handler kind: plain, async, generator or async generator (generator => local test is inconclusive); E when the entry never reaches `runpod.serverless.start`",
		Why:   "The SDK's local test mode does not run generator handlers: the job \"completes\" with a generator object, so a passing local test proves nothing. And a container whose command never reaches runpod.serverless.start is not a worker at all.",
		Bad:   Example{"handler.py", "def handler(job):\n    for token in generate(job[\"input\"]):\n        yield token"},
		Good:  Example{"handler.py", "def handler(job):\n    return {\"text\": \"\".join(generate(job[\"input\"]))}"},
		Fix:   "Nothing to fix for a generator handler: validate tests it through the SDK's API mode. If the entry never starts the worker, make CMD run the file that calls runpod.serverless.start.",
	},
	{
		ID: HandlerLocation, Severity: Warning, Group: "Handler",
		Title: "handler not at the root or in `.runpod/` (Hub wording)",
		Why:   "The RunPod Hub looks for the handler at the repository root or in .runpod/; listing a repository with the handler elsewhere confuses the Hub's checks and its readers. Checked only in Hub repositories (those with .runpod/).",
		Bad:   Example{"(repository root)", ".runpod/hub.json\nsrc/worker/handler.py"},
		Good:  Example{"(repository root)", ".runpod/hub.json\nhandler.py"},
		Fix:   "Move the handler to the repository root (or .runpod/) and update the Dockerfile's COPY and CMD.",
	},
	{
		ID: RunpodRequirement, Severity: Warning, Group: "Handler",
		Title: "`runpod` not in the installed requirements, unpinned, or pinned in a file the Dockerfile does not install",
		Why:   "The handler imports runpod; if the image does not install it the worker crashes at start-up, and an unpinned SDK changes behaviour between builds.",
		Bad:   Example{"requirements.txt", "runpod"},
		Good:  Example{"requirements.txt", "runpod==1.7.9"},
		Fix:   "Pin runpod (runpod==X.Y.Z) in the requirements file the Dockerfile installs with pip install -r.",
	},
	{
		ID: UnpinnedVCS, Severity: Info, Group: "Handler",
		Title: "requirement from an unpinned VCS URL (`git+https` without `@<sha>`)",
		Why:   "A VCS requirement without a commit installs whatever the branch holds at build time.",
		Bad:   Example{"requirements.txt", "git+https://github.com/org/lib.git"},
		Good:  Example{"requirements.txt", "git+https://github.com/org/lib.git@1f0e3b7c9a2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"},
		Fix:   "Append @<commit sha> to the VCS URL.",
	},
	{
		ID: NoTestInput, Severity: Warning, Group: "test_input.json",
		Title: "no test_input.json anywhere (validate falls back to the first `.runpod/tests.json` case)",
		Why:   "A plain docker run of the image runs one local job from test_input.json; without it the worker prints \"test_input.json not found\" and exits 1.",
		Bad:   Example{"(repository root)", "Dockerfile\nhandler.py"},
		Good:  Example{"test_input.json", "{\"input\": {\"prompt\": \"a lighthouse at dusk\"}}"},
		Fix:   "Add test_input.json ({\"input\": {...}}) and copy it into the image's WORKDIR.",
	},
	{
		ID: TestInputInvalid, Severity: Error, Also: "warning when `input` is not an object", Group: "test_input.json",
		Title: "test_input.json is not valid JSON, not an object, or has no non-null `input`; W when `input` is not an object",
		Why:   "The SDK reads test_input.json and refuses a job without input (\"Job has no input parameter\"); invalid JSON ends in a traceback.",
		Bad:   Example{"test_input.json", "{\"prompt\": \"a lighthouse\"}"},
		Good:  Example{"test_input.json", "{\"input\": {\"prompt\": \"a lighthouse\"}}"},
		Fix:   "Write test_input.json as {\"input\": {...}} with the job input as an object.",
	},
	{
		ID: TestInputNotInWorkdir, Severity: Warning, Group: "test_input.json",
		Title: "test_input.json is not in the image's working directory at run time, so a plain `docker run` says \"test_input.json not found\"",
		Why:   "The SDK looks for test_input.json in the process's working directory (the image's WORKDIR, or where the start script cd's to), not next to the handler.",
		Bad:   Example{"Dockerfile", "WORKDIR /app\nCOPY src/ /app/src/\nCMD [\"python\", \"-u\", \"src/handler.py\"]   # test_input.json stays at the repo root"},
		Good:  Example{"Dockerfile", "WORKDIR /app\nCOPY src/ /app/src/\nCOPY test_input.json /app/\nCMD [\"python\", \"-u\", \"src/handler.py\"]"},
		Fix:   "COPY test_input.json into the WORKDIR the handler runs in.",
	},
	{
		ID: TestInputDiffers, Severity: Info, Group: "test_input.json",
		Title: "test_input.json and `.runpod/tests.json` use different inputs (models, names)",
		Why:   "Local tests and Hub tests that exercise different inputs can pass and fail independently; usually one of them is stale.",
		Bad:   Example{"test_input.json", "{\"input\": {\"model\": \"old-model\"}}   # tests.json uses \"new-model\""},
		Good:  Example{"test_input.json", "{\"input\": {\"model\": \"new-model\"}}"},
		Fix:   "Make test_input.json's input match a .runpod/tests.json case, or update the stale one.",
	},
	{
		ID: NoHubFolder, Severity: Info, Group: "Hub files",
		Title: "no `.runpod/` folder (not a Hub repo; Hub rules skipped)",
		Why:   "Only repositories with .runpod/hub.json and .runpod/tests.json can be listed on the RunPod Hub; the Hub rules are skipped for the others.",
		Bad:   Example{"(repository root)", "Dockerfile\nhandler.py"},
		Good:  Example{"(repository root)", "Dockerfile\nhandler.py\n.runpod/hub.json\n.runpod/tests.json"},
		Fix:   "Nothing to do unless the worker should be on the Hub; then add .runpod/hub.json and .runpod/tests.json.",
	},
	{
		ID: HubInvalid, Severity: Error, Group: "Hub files",
		Title: "hub.json invalid: JSON, required fields, enums, GPU/CPU requirements, disk size",
		Why:   "The Hub rejects a release whose hub.json does not follow its spec.",
		Bad:   Example{".runpod/hub.json", "{\"title\": \"SDXL\", \"type\": \"serverless\", \"category\": \"image\",\n \"config\": {\"runsOn\": \"GPU\", \"containerDiskInGb\": 40}}"},
		Good:  Example{".runpod/hub.json", "{\"title\": \"SDXL\", \"description\": \"Text to image with SDXL\", \"type\": \"serverless\", \"category\": \"image\",\n \"config\": {\"runsOn\": \"GPU\", \"gpuCount\": 1, \"gpuIds\": \"ADA_24,AMPERE_24\", \"containerDiskInGb\": 40}}"},
		Fix:   "Fix hub.json at the JSON pointer given so that it follows the Hub spec.",
	},
	{
		ID: UnknownGPUPool, Severity: Warning, Group: "Hub files",
		Title: "unknown GPU pool ID in `gpuIds`",
		Why:   "gpuIds names GPU pools; an unknown ID is usually a typo or a GPU name, and the endpoint may get no GPU at all. New pools do appear, hence a warning.",
		Bad:   Example{".runpod/hub.json", "\"gpuIds\": \"RTX_4090\""},
		Good:  Example{".runpod/hub.json", "\"gpuIds\": \"ADA_24,-NVIDIA L4\""},
		Fix:   "Use pool IDs such as AMPERE_16, AMPERE_24, ADA_24, AMPERE_48, ADA_48_PRO, AMPERE_80, ADA_80_PRO, HOPPER_141 or ADA_32_PRO.",
	},
	{
		ID: HubEnvInvalid, Severity: Error, Also: "warning when a default does not match its type or options", Group: "Hub files",
		Title: "env entry malformed (`key`, exactly one of value/input, `input.type`, `name`, unique keys); W when a default does not match its type or options",
		Why:   "The Hub builds the endpoint's settings form from config.env; a malformed entry breaks the listing, and a default of the wrong type gives users a broken endpoint.",
		Bad:   Example{".runpod/hub.json", "\"env\": [{\"key\": \"MAX_TOKENS\", \"value\": \"512\", \"input\": {\"type\": \"number\", \"default\": \"lots\"}}]"},
		Good:  Example{".runpod/hub.json", "\"env\": [{\"key\": \"MAX_TOKENS\", \"input\": {\"name\": \"Max tokens\", \"type\": \"number\", \"default\": 512, \"min\": 1}}]"},
		Fix:   "Give every env entry a unique key and exactly one of value or input; input needs a name and a type (string, number, boolean, huggingface).",
	},
	{
		ID: PresetUnknownKey, Severity: Warning, Group: "Hub files",
		Title: "preset sets a key that `env` does not declare",
		Why:   "A preset value for an undeclared key is silently dropped: the preset does not do what its name promises.",
		Bad:   Example{".runpod/hub.json", "\"presets\": [{\"name\": \"fast\", \"defaults\": {\"STEPS\": 8}}]   # no env entry STEPS"},
		Good:  Example{".runpod/hub.json", "\"env\": [{\"key\": \"STEPS\", \"input\": {\"name\": \"Steps\", \"type\": \"number\", \"default\": 30}}],\n\"presets\": [{\"name\": \"fast\", \"defaults\": {\"STEPS\": 8}}]"},
		Fix:   "Declare the key in config.env or remove it from the preset.",
	},
	{
		ID: PlaceholderMetadata, Severity: Warning, Group: "Hub files",
		Title: "placeholder metadata (example.com icon, template title/description)",
		Why:   "A Hub listing with template text or an example.com icon looks abandoned and is hard to find.",
		Bad:   Example{".runpod/hub.json", "\"title\": \"My Worker\", \"iconUrl\": \"https://example.com/icon.png\""},
		Good:  Example{".runpod/hub.json", "\"title\": \"Whisper transcription\", \"iconUrl\": \"https://raw.githubusercontent.com/org/repo/main/icon.png\""},
		Fix:   "Replace the template title, description and icon with the worker's own.",
	},
	{
		ID: HubWithoutTests, Severity: Error, Group: "Hub files",
		Title: "hub.json without `.runpod/tests.json` (the Hub needs both)",
		Why:   "The Hub runs .runpod/tests.json against every release before listing it; without it a release never goes live.",
		Bad:   Example{"(repository root)", ".runpod/hub.json"},
		Good:  Example{"(repository root)", ".runpod/hub.json\n.runpod/tests.json"},
		Fix:   "Add .runpod/tests.json with at least one test case.",
	},
	{
		ID: TestsInvalid, Severity: Error, Also: "warning when an input looks wrapped in `{\"input\": ...}`; info when a case has no timeout", Group: "Hub files",
		Title: "tests.json invalid: empty `tests`, case without string `name` or object `input`, duplicate names, non-positive `timeout`; W when an input looks wrapped in `{\"input\":...}`; I when a case has no timeout",
		Why:   "The Hub sends each case's input as the job input and fails the release when a case fails or hangs.",
		Bad:   Example{".runpod/tests.json", "{\"tests\": [{\"name\": \"basic\", \"input\": {\"input\": {\"prompt\": \"hi\"}}}]}"},
		Good:  Example{".runpod/tests.json", "{\"tests\": [{\"name\": \"basic\", \"input\": {\"prompt\": \"hi\"}, \"timeout\": 60000}]}"},
		Fix:   "Give every case a unique name, the job input itself as an object (not wrapped in {\"input\": ...}) and a timeout in milliseconds.",
	},
	{
		ID: TestsConfigInvalid, Severity: Error, Group: "Hub files",
		Title: "tests.json config invalid (`gpuTypeId` must be a GPU name, not a pool ID; `gpuCount` >= 1; `cpuFlavor` for CPU; env entries are {key, value})",
		Why:   "The Hub starts the test endpoint from tests.json's config; a pool ID where a GPU name belongs, or a CPU worker without a CPU flavor, means the tests never run.",
		Bad:   Example{".runpod/tests.json", "\"config\": {\"gpuTypeId\": \"ADA_24\", \"gpuCount\": 0}"},
		Good:  Example{".runpod/tests.json", "\"config\": {\"gpuTypeId\": \"NVIDIA GeForce RTX 4090\", \"gpuCount\": 1}"},
		Fix:   "Use a full GPU name for gpuTypeId, gpuCount >= 1, a cpuFlavor for CPU workers, and env entries of the form {\"key\": ..., \"value\": ...}.",
	},
	{
		ID: CUDAVersions, Severity: Warning, Group: "Hub files",
		Title: "`allowedCudaVersions` malformed, lower than the base image's CUDA version (when the tag tells it), or different between hub.json and tests.json",
		Why:   "A host whose driver supports only an older CUDA cannot run an image built on a newer one; allowing it schedules the worker where it crashes.",
		Bad:   Example{".runpod/hub.json", "\"allowedCudaVersions\": [\"12.1\", \"12.4\"]   # base image nvidia/cuda:12.4.1-..."},
		Good:  Example{".runpod/hub.json", "\"allowedCudaVersions\": [\"12.4\", \"12.5\", \"12.6\"]"},
		Fix:   "List versions as \"MAJOR.MINOR\", none below the base image's CUDA version, the same in hub.json and tests.json.",
	},
	{
		ID: TestsEnvMissing, Severity: Info, Group: "Hub files",
		Title: "an env var the code requires at start-up is absent from tests.json `config.env`",
		Why:   "The handler reads os.environ[\"NAME\"] when it is imported; the Hub's test endpoint without NAME crashes before the first test.",
		Bad:   Example{"handler.py", "MODEL = os.environ[\"MODEL_NAME\"]   # tests.json config.env has no MODEL_NAME"},
		Good:  Example{".runpod/tests.json", "\"config\": {\"env\": [{\"key\": \"MODEL_NAME\", \"value\": \"org/model\"}]}"},
		Fix:   "Add the variable to tests.json config.env (or read it with os.environ.get and a default).",
	},
	{
		ID: GPULikely, Severity: Info, Group: "Repository hygiene",
		Title: "GPU likely required (hub runsOn GPU, CUDA/vLLM base image, torch/vllm requirements)",
		Why:   "validate needs a GPU host to run such a worker conclusively; without one the GPU checks are skipped.",
		Bad:   Example{"Dockerfile", "FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04"},
		Good:  Example{"Dockerfile", "FROM python:3.11-slim   # a CPU worker"},
		Fix:   "Nothing to fix: run validate on a GPU host for a conclusive result.",
	},
	{
		ID: WorkflowPathMissing, Severity: Warning, Group: "Repository hygiene",
		Title: "a GitHub workflow references a path that does not exist in the repository",
		Why:   "A workflow that builds ./docker/Dockerfile after it moved fails, or silently never triggers when its paths filter matches nothing.",
		Bad:   Example{".github/workflows/build.yml", "- uses: docker/build-push-action@v6\n  with:\n    file: docker/Dockerfile   # moved to ./Dockerfile"},
		Good:  Example{".github/workflows/build.yml", "- uses: docker/build-push-action@v6\n  with:\n    file: Dockerfile"},
		Fix:   "Update the workflow to the path's new location, or remove the step.",
	},
	{
		ID: TestImportMissing, Severity: Warning, Group: "Repository hygiene",
		Title: "an in-repo test imports a module that does not exist",
		Why:   "A test that cannot import what it tests fails before testing anything; usually the module was renamed.",
		Bad:   Example{"tests/test_handler.py", "from rp_handler import handler   # the file is now handler.py"},
		Good:  Example{"tests/test_handler.py", "from handler import handler"},
		Fix:   "Import the module by its current name, or add the missing dependency to the requirements.",
	},
	{
		ID: LegacyTests, Severity: Info, Also: "error when it is not an array of objects with `input`", Group: "Repository hygiene",
		Title: "legacy `.github/tests.json` present; E when it is not an array of objects with `input`",
		Why:   "The old runpod-test-runner action read .github/tests.json; the Hub reads .runpod/tests.json in a different format.",
		Bad:   Example{".github/tests.json", "{\"input\": {\"prompt\": \"hi\"}}"},
		Good:  Example{".github/tests.json", "[{\"input\": {\"prompt\": \"hi\"}, \"output\": {}}]"},
		Fix:   "Move the cases to .runpod/tests.json, or keep .github/tests.json as an array of {\"input\": ...} objects.",
	},
	{
		ID: BakeFile, Severity: Info, Group: "Repository hygiene",
		Title: "docker-bake.hcl present: the default `docker build` may not be what ships",
		Why:   "With a bake file the shipped images may come from other targets, build args or Dockerfiles than a plain docker build, which janitor validates.",
		Bad:   Example{"docker-bake.hcl", "target \"worker\" {\n  dockerfile = \"Dockerfile.gpu\"\n}"},
		Good:  Example{"(repository root)", "Dockerfile   # the one file RunPod builds"},
		Fix:   "Make sure the root Dockerfile builds what ships, or validate the bake targets separately.",
	},
}
