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
RACE    ?=
# DURATION: how long `make fuzz` generates inputs (default 10m) and how long
# `make fuzz-go` fuzzes each entry point (default 1m).
DURATION ?=
# The matrix runs with a fixed seed, so a recorded failure (its random split
# points, its SEED= hint) reads the same from one run to the next.
MATRIX_SEED ?= 1
# Every pinned target, in registry order: the columns of the matrix.
MATRIX_TARGETS := $(shell awk '!/^\#/ && NF {print $$1}' targets/registry/runtimes.tsv)
# TARGETS narrows `make matrix` to a shard (spaces or commas); the records
# of the others stay as they are. MATRIX_JOBS targets run side by side:
# one by default, since each target already runs twelve runtime processes
# at once (the suite's pool of harness processes); two targets at once put
# 24 on the 2 cores, and a case's 30 ms timer could fire before
# its request was written (agent-timeout-option failed once so).
comma := ,
MATRIX_RUN = $(or $(subst $(comma), ,$(TARGETS)),$(MATRIX_TARGETS))
MATRIX_JOBS ?= 1
# make speed: the targets whose whole-suite time it measures, and rounds.
SPEED_TARGETS ?= ref,node20
ROUNDS ?= 3

# The nodespec version reports carry (reports.Version): the clone's
# `git describe`, "-dirty" when the tree has uncommitted changes.
NODESPEC_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
LDFLAGS = -ldflags=-X=github.com/nodespec/nodespec/reports.Version=$(NODESPEC_VERSION)

# The suite runs under the Ginkgo CLI (GINKGO, the version go.mod pins)
# in one process by default: its look-ahead (specs/runs_test.go) makes the
# runs of the specs to come while Ginkgo judges one, on ref in memory and
# on a runtime on a pool of twelve harness processes, so both cores are
# used and the cases' waits overlap. Ginkgo's parallel mode only added its
# own costs: ref 3.3 s instead of 5.8 s (-race 9.4 s instead of 25 s),
# node20 7.0-8.2 s instead of 8.7-9.4 s with four processes of three
# harness processes each. PROCS=n runs n processes (the pool is shared out
# among them; there is no look-ahead).
# The suite writes junit.xml, report.json and summary.md into OUT itself
# (-nodespec.out; in parallel mode from the merged report).
PROCS ?=
SUITE_PROCS = $(or $(PROCS),1)
# Ginkgo's capture of each spec's stdout and stderr is off: the suite writes
# through GinkgoWriter, and the capture cost ~8% of a ref run.
# The CLI is built into bin/ once, and again when go.mod or go.sum change
# (into a temporary name first: targets of the matrix may start side by
# side): `go tool ginkgo` looks up the module graph and the build cache on
# every call, 0.25 s a run, an eighth of the ref suite's wall time.
GINKGO := bin/ginkgo
GINKGO_CLI = $(GINKGO) $(if $(CI),--no-color) --procs=$(SUITE_PROCS) --timeout=20m --output-interceptor-mode=none $(RACE) $(LDFLAGS) \
             $(if $(FOCUS),--focus='$(FOCUS)') \
             $(if $(LABELS),--label-filter='$(LABELS)') \
             $(if $(SEED),--seed=$(SEED))

.PHONY: help test unit conformance gated gate baseline matrix docs coverage targets lint bench sections browser probe fuzz fuzz-go list suite suite-check matrix-target matrix-merge speed

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  variables: TARGET=ref|custom|node20|node6|node14|node22|node24|node26|bun|deno  PROFILE=v6|v14|latest  FOCUS=<regexp>  LABELS=<ginkgo label filter>  SEED=<n>  PROCS=<suite processes, default 1>  TARGETS=<matrix shard>  MATRIX_JOBS=<targets side by side, default 1>"

test: browser lint unit suite-check ## lint, unit tests, the suite binary from an empty directory, the suite on ref (every case must pass; on its in-memory loopback under the race detector, and on kernel sockets) and on the system node, gated on their baselines
	@command -v node >/dev/null || { echo "make test gates the system node (target node20) and found no node on PATH"; exit 1; }
	@ok=0; $(MAKE) --no-print-directory gated TARGET=ref RACE=-race || ok=1; \
	NODESPEC_REF_NET=kernel $(MAKE) --no-print-directory gated TARGET=ref OUT=reports/out/ref-kernel PROCS=4 || ok=1; \
	$(MAKE) --no-print-directory gated TARGET=node20 || ok=1; \
	[ $$ok = 0 ] || { echo "make test: the suite failed its gate on ref or node20 (see REGRESSION lines above)"; exit 1; }

unit: ## unit tests of every package except the suite (race detector on)
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /specs)

$(GINKGO): go.mod go.sum
	@mkdir -p bin && $(GO) build -o $@.tmp$$$$ github.com/onsi/ginkgo/v2/ginkgo && mv $@.tmp$$$$ $@

conformance: $(GINKGO) ## run the suite on TARGET [PROFILE, FOCUS, LABELS, SEED, PROCS]; writes JUnit, JSON and Markdown under reports/out/TARGET
	@mkdir -p $(OUT) && rm -f $(OUT)/report.json $(OUT)/junit.xml $(OUT)/summary.md
	@set +e; NODESPEC_TARGET=$(TARGET) NODESPEC_PROFILE=$(PROFILE) $(GINKGO_CLI) ./specs -- -nodespec.out=$(abspath $(OUT)); rc=$$?; \
	test -f $(OUT)/summary.md || { echo "the suite on $(TARGET) wrote no reports (it crashed or timed out before its end; see above)"; exit 1; }; \
	echo "reports: $(OUT)/junit.xml $(OUT)/report.json $(OUT)/summary.md"; exit $$rc

# gated: the suite on TARGET, then the gate. ref must pass every case (its
# baseline holds no failure, and a failed spec fails the run); any other
# target fails only on a regression against reports/baselines/TARGET.tsv.
gated:
	@test -z "$(PROFILE)$(FOCUS)$(LABELS)" || { echo "the gate needs the whole suite: unset PROFILE, FOCUS and LABELS"; exit 2; }
	@set +e; $(MAKE) --no-print-directory conformance TARGET=$(TARGET) RACE=$(RACE); rc=$$?; \
	test -f $(OUT)/report.json || { echo "the suite on $(TARGET) wrote no report"; exit 1; }; \
	$(GO) run ./cmd/nodespec-report gate -whole -json $(OUT)/report.json -baseline reports/baselines/$(TARGET).tsv || exit 1; \
	if [ "$(TARGET)" = ref ]; then exit $$rc; fi

gate: ## compare the last run on TARGET (reports/out/TARGET) with its baseline; exit 1 on a regression
	$(GO) run ./cmd/nodespec-report gate -json $(OUT)/report.json -baseline reports/baselines/$(TARGET).tsv

baseline: ## run the whole suite on TARGET and record the result as its baseline, reports/baselines/TARGET.tsv
	@test -z "$(PROFILE)$(FOCUS)$(LABELS)" || { echo "a baseline needs the whole suite: unset PROFILE, FOCUS and LABELS"; exit 2; }
	@$(MAKE) --no-print-directory conformance TARGET=$(TARGET) || true
	$(GO) run ./cmd/nodespec-report baseline -json $(OUT)/report.json -o reports/baselines/$(TARGET).tsv

matrix: $(GINKGO) ## run the suite on TARGETS (default: every pinned target), MATRIX_JOBS side by side; record each under reports/recorded/, then regenerate CONFORMANCE.md and the HTML matrix
	@mkdir -p reports/out reports/recorded
	@for t in $(MATRIX_RUN); do case " $(MATRIX_TARGETS) " in *" $$t "*) ;; *) echo "make matrix: $$t is not a pinned target (pinned: $(MATRIX_TARGETS))"; exit 2;; esac; done
	@printf '%s\n' $(MATRIX_RUN) | xargs -P $(MATRIX_JOBS) -I{} $(MAKE) --no-print-directory matrix-target MT={} NODESPEC_VERSION=$(NODESPEC_VERSION)
	@$(MAKE) --no-print-directory docs

# One column of the matrix: the whole suite on MT with the matrix seed,
# recorded. The version is taken once, before any column is recorded: the
# records a column writes would otherwise make the next column "-dirty". Its output goes to a log of its own (targets run side by side).
matrix-target:
	@$(MAKE) --no-print-directory conformance TARGET=$(MT) OUT=reports/out/$(MT) SEED=$(MATRIX_SEED) >reports/out/matrix-$(MT).log 2>&1; \
	test -f reports/out/$(MT)/report.json || { echo "$(MT) wrote no report; see reports/out/matrix-$(MT).log"; exit 1; }; \
	$(GO) run ./cmd/nodespec-report record -json reports/out/$(MT)/report.json -o reports/recorded/$(MT).jsonl

matrix-merge: ## merge the records of matrix shards (FROM="dir ..." of <target>.jsonl files, e.g. CI artifacts) into reports/recorded/, then make docs
	@test -n "$(FROM)" || { echo "make matrix-merge needs FROM='<shard dir> ...'"; exit 2; }
	$(GO) run ./cmd/nodespec-report merge -o reports/recorded $(FROM)
	@$(MAKE) --no-print-directory docs

docs: ## regenerate CONFORMANCE.md and reports/recorded/matrix.html from the fixtures, the section index and the recorded matrix
	$(GO) run ./cmd/nodespec-docs

coverage: ## per profile and module/class: doc sections with at least one case, and the ones without
	@$(GO) run ./cmd/nodespec-coverage

targets: ## install the pinned runtimes (targets/registry/runtimes.tsv) into ~/.cache/nodespec [TARGETS=a,b: only those]
	bash targets/install.sh $(if $(TARGETS),$(subst $(comma), ,$(TARGETS)))

browser: ## install Debian's chromium for the HTML page test (needs root or sudo)
	@if [ -z "$$NODESPEC_CHROMIUM" ] && ! command -v chromium >/dev/null; then \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	  set -x; $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	fi

lint: ## check every fixture, that every expected failure in a baseline has a reason, gofmt, go vet, and that generated files (section index, CONFORMANCE.md) are up to date
	$(GO) run ./cmd/fixturelint
	$(GO) run ./cmd/nodespec-report lint reports/baselines/*.tsv
	$(GO) run ./cmd/nodespec-docs -check
	@if [ -d ../shared/docs ]; then $(GO) run ./cmd/nodespec-sections -check; \
	else echo "../shared/docs not found: the section index is not checked against the docs"; fi
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

bench: ## Go benchmarks, incl. the cost of one case on ref and node20 and the fuzz loop's inputs/s (speed is measured here, never in timed tests)
	$(GO) test -run '^$$' -bench . -benchmem ./...

speed: ## this tree against BASE=<git revision> in one run, taking turns: BenchmarkCase on ref and node20, and the whole suite's wall time on SPEED_TARGETS (default ref,node20); medians of ROUNDS (default 3)
	@test -n "$(BASE)" || { echo "make speed needs BASE=<git revision>, e.g. BASE=HEAD~3"; exit 2; }
	$(GO) run ./cmd/nodespec-speed -base $(BASE) -targets $(SPEED_TARGETS) -rounds $(ROUNDS) $(if $(PROCS),-procs $(PROCS))

probe: ## run draft or fixture files (CASES=...) on real runtimes (TARGETS=a,b) and ref; EMIT=<dir> writes drafts as fixtures
	@test -n "$(CASES)" || { echo "make probe needs CASES='file.yaml ...'"; exit 2; }
	$(GO) run ./cmd/nodespec-probe -ref $(if $(TARGETS),-targets $(TARGETS)) $(if $(EMIT),-emit $(EMIT)) $(CASES)

fuzz: ## differential fuzzing of TARGET (a runtime) against ref [DURATION=10m SEED=1]; minimised findings as draft fixtures + summary.md under reports/out/fuzz/TARGET
	@test "$(TARGET)" != ref || { echo "make fuzz compares a runtime with ref: give TARGET=node20 (or node6, node14 ...)"; exit 2; }
	$(GO) run ./cmd/nodespec-fuzz -target $(TARGET) -duration $(or $(DURATION),10m) -seed $(or $(SEED),1)

# The Go fuzz targets, package:function. Their seed corpora run in `make
# unit` like any test; only this target fuzzes (one at a time: -fuzz takes
# one function per run).
FUZZ_GO := ./impl/nodehttp:FuzzParser ./fixtures:FuzzParse ./targets/harness:FuzzDecodeAnswer

fuzz-go: ## Go native fuzzing of the request parser, the fixture loader and the harness decoder, DURATION each (default 1m); a crash is kept in the package's testdata/fuzz
	@for e in $(FUZZ_GO); do pkg=$${e%%:*}; fn=$${e##*:}; echo "== $$fn ($$pkg), $(or $(DURATION),1m)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(or $(DURATION),1m) $$pkg || exit 1; done

sections: ## regenerate fixtures/sections/index.yaml from ../shared/docs
	$(GO) run ./cmd/nodespec-sections

list: ## print the cases a run would run (case, profile, sections) without running them [TARGET, PROFILE, FOCUS, LABELS]
	@mkdir -p $(OUT)
	@NODESPEC_TARGET=$(TARGET) NODESPEC_PROFILE=$(PROFILE) $(GO) test -count=1 ./specs/ -run TestSpecs -args -nodespec.list=$(abspath $(OUT))/list.tsv \
	  $(if $(FOCUS),-ginkgo.focus='$(FOCUS)') $(if $(LABELS),-ginkgo.label-filter='$(LABELS)') >$(OUT)/list.log 2>&1 || \
	  { cat $(OUT)/list.log; echo "make list: the suite could not list its cases"; exit 1; }
	@cat $(OUT)/list.tsv

suite: ## build bin/nodespec-suite: the whole suite in one executable (fixtures, section index, harness embedded) that runs with no Go and no clone (see README)
	$(GO) test -c $(LDFLAGS) -o bin/nodespec-suite ./specs

# suite-check: the suite binary, run from an empty directory with no Go on
# PATH, on ref and on the system node (a few cases each: the whole suite
# runs in `make test` already); it must write its three reports.
suite-check: suite
	@bin=$(abspath bin/nodespec-suite); dir=$$(mktemp -d); nodedir=$$(dirname "$$(command -v node)"); \
	trap 'rm -rf "$$dir"' EXIT; cd "$$dir" && \
	for t in ref node20; do \
	  PATH="$$nodedir:/usr/bin:/bin" "$$bin" -nodespec.target $$t -nodespec.out out-$$t -ginkgo.label-filter='section=http.Server.event.request' >log-$$t 2>&1 \
	    || { cat log-$$t; echo "suite-check: the suite binary failed on $$t"; exit 1; }; \
	  for f in junit.xml report.json summary.md; do test -s out-$$t/$$f || { echo "suite-check: $$t wrote no $$f"; exit 1; }; done; \
	  grep -q 'nodespec.version' out-$$t/junit.xml || { echo "suite-check: $$t junit.xml lacks the provenance"; exit 1; }; \
	  echo "suite-check: $$t: $$(sed -n 3p out-$$t/summary.md)"; \
	done
