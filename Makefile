# janitor: targets mirror the commands. `make help` lists them.
SHELL := /bin/bash
ENV ?= dev
REPO ?=
LIMIT ?= 10
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GOBIN := $(shell go env GOPATH)/bin
JANITOR := bin/janitor
export PATH := $(GOBIN):$(PATH)

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/janitor
	go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(JANITOR) ./cmd/janitor

.PHONY: demo
demo: ## Run the main job: validate the example workers (docs/examples) against the local database, then query the results
	@.ci/deps
	@$(MAKE) --no-print-directory build
	@.ci/dockerd
	@echo "compiling the examples' stand-in python (docs/examples/pyshim)"
	@for d in docs/examples/worker-*/; do CGO_ENABLED=0 go build -trimpath -o "$$d/python" ./docs/examples/pyshim || exit 1; done
	@echo
	@echo '$$ janitor validate --repos-file docs/examples/repos.yaml'
	@rc=0; $(JANITOR) validate --repos-file docs/examples/repos.yaml || rc=$$?; \
	  case $$rc in 0|3) ;; *) echo "make demo: janitor validate exited $$rc" >&2; exit $$rc;; esac
	@echo
	@echo '$$ janitor query-runs --limit 5'
	@$(JANITOR) query-runs --limit 5
	@echo
	@echo '$$ janitor query-db --repo worker-crash'
	@$(JANITOR) query-db --repo worker-crash

.PHONY: deps
deps: ## Install what the demo and tests need and is missing (Debian/Ubuntu)
	@.ci/deps

.PHONY: test
test: deps ## Run every test (starts dockerd when needed)
	@if [ -x .ci/dockerd ]; then .ci/dockerd; fi
	go test -race -count=1 ./...

.PHONY: lint
lint: ## gofmt, go vet, staticcheck, go mod tidy check
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	staticcheck ./...
	@tmp=$$(mktemp -d); cp go.mod go.sum $$tmp/; go mod tidy; \
	  if ! cmp -s go.mod $$tmp/go.mod || ! cmp -s go.sum $$tmp/go.sum; then \
	    echo "go.mod/go.sum were not tidy: run go mod tidy"; cp $$tmp/go.mod $$tmp/go.sum .; rm -rf $$tmp; exit 1; fi; \
	  rm -rf $$tmp

.PHONY: query-db
query-db: build ## Latest status and history of REPO (make query-db ENV=dev REPO=worker-template)
	@test -n "$(REPO)" || { echo "usage: make query-db REPO=<name|org/name> [ENV=dev]"; exit 2; }
	$(JANITOR) query-db --env $(ENV) --repo $(REPO) --limit $(LIMIT)

.PHONY: query-runs
query-runs: build ## Recent runs (make query-runs ENV=dev)
	$(JANITOR) query-runs --env $(ENV)

.PHONY: db-migrate
db-migrate: build ## Apply migrations (make db-migrate ENV=dev)
	$(JANITOR) db-migrate --env $(ENV)

.PHONY: db-connect
db-connect: build ## psql as the reader (make db-connect ENV=dev)
	$(JANITOR) db-connect --env $(ENV)

.PHONY: infra-init infra-plan infra-apply infra-destroy infra-output
infra-init: build ## terraform init for ENV (make infra-init ENV=dev)
	$(JANITOR) infra init --env $(ENV)
infra-plan: build ## What infra-apply would change (make infra-plan ENV=dev)
	$(JANITOR) infra plan --env $(ENV)
infra-apply: build ## Create/update ENV's AWS resources, save outputs to the config (make infra-apply ENV=dev)
	$(JANITOR) infra apply --env $(ENV)
infra-destroy: build ## Destroy ENV's AWS resources (prod: make infra-destroy ENV=prod YES_DESTROY_PROD=1)
	$(JANITOR) infra destroy --env $(ENV) $(if $(YES_DESTROY_PROD),--yes-destroy-prod)
infra-output: build ## The stack's outputs (make infra-output ENV=dev)
	$(JANITOR) infra output --env $(ENV)

INSTANCE_TYPE ?=
.PHONY: launch-instance start-instance stop-instance instance-status logs
launch-instance: build ## Launch ENV's GPU instance, wait for its API (make launch-instance ENV=dev [INSTANCE_TYPE=g5.xlarge])
	$(JANITOR) launch-instance --env $(ENV) $(if $(INSTANCE_TYPE),--instance-type $(INSTANCE_TYPE))
start-instance: build ## Start ENV's stopped instance (make start-instance ENV=dev)
	$(JANITOR) start-instance --env $(ENV)
stop-instance: build ## Stop ENV's instance; volumes stay (make stop-instance ENV=dev)
	$(JANITOR) stop-instance --env $(ENV)
instance-status: build ## State, address, uptime and cost of ENV's instance (make instance-status ENV=dev)
	$(JANITOR) instance-status --env $(ENV)
logs: build ## The instance's CloudWatch logs (make logs ENV=dev [FOLLOW=1])
	$(JANITOR) logs --env $(ENV) $(if $(FOLLOW),--follow)

.PHONY: bench-db
bench-db: ## Seed 1M validations and measure the query paths (see docs/benchmarks.md)
	JANITOR_BENCH_DB=1 go test -run '^$$' -bench BenchmarkDB -benchtime 20x -timeout 30m ./cmd/janitor

.PHONY: bench-validate
bench-validate: ## janitor validate vs the raw docker CLI, concurrency, layer cache, peak RSS (see docs/benchmarks.md)
	@.ci/dockerd
	JANITOR_BENCH_VALIDATE=1 go test -run '^$$' -bench BenchmarkValidate -benchtime 3x -timeout 30m ./cmd/janitor

.PHONY: bench-lint
bench-lint: ## Lint a typical repository and 1,000 generated ones (see docs/benchmarks.md)
	go test ./pkg/lint -run '^$$' -bench 'BenchmarkLint(Typical|1000Repos)' -benchmem -cpu 1 -benchtime 3x

.PHONY: bench-docker
bench-docker: ## The Docker adapter against the docker CLI on a warm cache
	go test ./pkg/docker -run '^$$' -bench . -benchtime 20x -count 3

.PHONY: clean
clean: ## Remove build output
	rm -rf bin
