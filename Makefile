# nodespec — the front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TARGET  ?= ref
PROFILE ?=
FOCUS   ?=
LABELS  ?=
SEED    ?=
OUT     ?= reports/out/$(TARGET)
GO      ?= go

# The suite's arguments: reports are written by Ginkgo itself.
SUITE_FLAGS = $(if $(CI),-ginkgo.no-color)
GINKGO_ARGS = $(SUITE_FLAGS) -ginkgo.junit-report=$(abspath $(OUT))/junit.xml \
              -ginkgo.json-report=$(abspath $(OUT))/report.json \
              $(if $(FOCUS),-ginkgo.focus='$(FOCUS)') \
              $(if $(LABELS),-ginkgo.label-filter='$(LABELS)') \
              $(if $(SEED),-ginkgo.seed=$(SEED))

.PHONY: help test unit conformance targets lint bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  variables: TARGET=ref|custom|node20|node6|node14|node22|node24|node26|bun|deno  PROFILE=v6|v14|latest  FOCUS=<regexp>  LABELS=<ginkgo label filter>  SEED=<n>"

test: lint unit ## lint, unit tests, the suite on ref, and on the system node when there is one
	$(GO) test -race -count=1 ./specs/ -args $(SUITE_FLAGS)
	@if command -v node >/dev/null; then \
	  echo "suite on the system node ($$(node --version))"; \
	  NODESPEC_TARGET=node20 $(GO) test -count=1 ./specs/ -args $(SUITE_FLAGS); \
	else echo "no node on PATH: skipping the suite on node20"; fi

unit: ## unit tests of every package except the suite (race detector on)
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /specs)

conformance: ## run the suite on TARGET [PROFILE, FOCUS, LABELS]; writes JUnit, JSON and Markdown under reports/out/TARGET
	@mkdir -p $(OUT)
	@set +e; NODESPEC_TARGET=$(TARGET) NODESPEC_PROFILE=$(PROFILE) $(GO) test -count=1 -timeout 20m ./specs/ -args $(GINKGO_ARGS); rc=$$?; \
	$(GO) run ./cmd/nodespec-report -json $(OUT)/report.json -md $(OUT)/summary.md || exit 1; \
	echo "reports: $(OUT)/junit.xml $(OUT)/report.json $(OUT)/summary.md"; exit $$rc

targets: ## install the pinned runtimes (targets/registry/runtimes.tsv) into ~/.cache/nodespec
	bash targets/install.sh

lint: ## check every fixture, gofmt and go vet
	$(GO) run ./cmd/fixturelint
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

bench: ## Go benchmarks (speed is measured here, never in timed tests)
	$(GO) test -run '^$$' -bench . -benchmem ./...
