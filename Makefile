# rightnow: every command a developer or CI needs.
#   make dev    the whole app locally (MiniStack + sam deploy + cargo lambda watch)
#   make test   every test: lint, unit, adapter and end-to-end
# Both run `make setup` first, so a fresh clone needs nothing else.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV := .venv
BIN := $(VENV)/bin
MINISTACK_VERSION := 1.5.33
GUARD_VERSION := 3.2.1
CARGO_FUZZ_VERSION := 0.13.2
export SAM_CLI_TELEMETRY := 0
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help apt-tools setup dev up local-tool dev-build test lint lint-template fuzz fmt build build-arm64 deploy invoke report bench load fixtures clean
.DEFAULT_GOAL := help

## help: every target, with what it does
help:
	@grep -E '^## [a-z0-9-]+: ' $(MAKEFILE_LIST) | sed -E 's/^## ([a-z0-9-]+): /\1\t/' \
		| awk -F'\t' '{ printf "  make %-12s %s\n", $$1, $$2 }'

## setup: install the pinned tools into .venv (idempotent)
setup: $(VENV)/.installed
$(VENV)/.installed: infra/requirements.txt tests/browser/package-lock.json Makefile
	@command -v cargo >/dev/null || { echo "cargo is required (rustup)"; exit 1; }
	@rustup component add rustfmt clippy >/dev/null 2>&1 || true
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r infra/requirements.txt
	# MiniStack pins an older botocore than sam accepts; it runs on sam's.
	$(BIN)/pip install --quiet --no-deps ministack==$(MINISTACK_VERSION)
	$(MAKE) --no-print-directory apt-tools
	# playwright-core drives Debian's chromium; it downloads no browser.
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	@touch $@
	@echo "setup: tools installed in $(VENV)"

## apt-tools: install Debian's wrk, valgrind, ffmpeg and chromium if missing (make setup runs it)
# wrk is the benchmark's load generator (its smoke test uses it too);
# valgrind counts instructions; ffmpeg regenerates the fixture videos
# (make fixtures); chromium is the browser test's browser.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_TOOLS := wrk valgrind ffmpeg chromium
apt-tools:
	@missing=""; for t in $(APT_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (apt)"; \
		$(SUDO) apt-get install -y --no-install-recommends $$missing >/dev/null \
		|| { $(SUDO) apt-get update >/dev/null && $(SUDO) apt-get install -y --no-install-recommends $$missing >/dev/null; }; \
	fi

# The local cloud's tool (infra/). make dev and make up build it while
# setup installs the rest: one compiles, the other downloads.
LOCAL := cargo run --quiet -p rightnow-infra --bin rightnow-local --

## dev: the whole app on this machine; edits to functions reload; Ctrl-C stops all
dev:
	@$(MAKE) --no-print-directory -j2 setup dev-build
	$(LOCAL) dev

## up: the stack as tests deploy it (release artefacts, no watch)
up:
	@$(MAKE) --no-print-directory -j2 setup local-tool
	$(LOCAL) up

## local-tool: build the local cloud's tool (make up builds it while setup installs the rest)
local-tool:
	cargo build --quiet -p rightnow-infra --bin rightnow-local

## dev-build: the local tool, then every function as cargo lambda watch builds it (make dev runs it beside setup)
# `cargo build` builds the default members, the functions among them, with
# the features watch's `cargo run --bin <function>` resolves: make dev's
# own build of each function then finds it fresh.
dev-build: local-tool
	cargo build --quiet

## test: lint, then every test (unit, adapter against MiniStack, end-to-end)
test: setup lint
	cargo test --workspace --all-targets --no-fail-fast

## lint: formatting, clippy, the template's linters and rules, the domain's dependencies
lint: setup lint-template
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	@if cargo tree -p rightnow-domain -e normal --prefix none | grep -E '^(aws-|lambda_)'; then \
		echo "the domain crate must not depend on aws-* or lambda_* crates"; exit 1; fi

## lint-template: cfn-lint (with the serverless rules) and the guard rules of infra/guard, on template.yaml and on its SAM-expanded form
# Guard reads JSON (it cannot read YAML aliases); infra/lint/expand.py
# writes the file as JSON and the form SAM's transform gives it, where the
# roles, versions, stage and rules exist. On that form, an ignore list given
# here replaces .cfnlintrc.yaml's: WS1004 for its reason, and ES1007, which
# misreads it (the permission is on the alias, the invoke config on the
# function and alias); async.guard checks the same thing on both forms.
lint-template: setup $(VENV)/.cfn-guard-$(GUARD_VERSION)
	$(BIN)/cfn-lint
	$(BIN)/sam validate --lint
	@mkdir -p target/lint
	$(BIN)/python infra/lint/expand.py --source template.yaml > target/lint/template.json
	$(BIN)/python infra/lint/expand.py template.yaml > target/lint/expanded.json
	$(BIN)/cfn-lint --ignore-checks WS1004 ES1007 -- target/lint/expanded.json
	$(BIN)/cfn-guard validate --rules infra/guard --data target/lint --show-summary fail

# cfn-guard has no PyPI or npm package: crates.io's, built once into .venv.
# Only the lint needs it, so make dev does not wait for its build.
$(VENV)/.cfn-guard-$(GUARD_VERSION): | $(VENV)/.installed
	cargo install --locked --quiet --root $(VENV) cfn-guard@$(GUARD_VERSION)
	@touch $@

## fuzz: every fuzz target (or FUZZ_TARGETS="a b") for FUZZ_SECONDS each (default 60) with cargo-fuzz on nightly; new inputs go to fuzz/corpus (make test replays it)
# The targets are crates/fuzzing's; fuzz/ is cargo-fuzz's package of them,
# its own workspace, built with nightly and sanitizers into target/fuzz
# (only here: make test replays the corpora on stable). fuzz/seeds names
# the samples each target starts from besides its corpus. Each run's
# corpus is then minimised (cargo fuzz cmin: the fewest inputs that keep
# its edges covered, counters aside), which is what is committed. An
# allocation over 512 MiB fails, as it does in the 512 MB video-moderation
# sandbox: mp4parse allocates fallibly and must turn that into a refusal;
# an infallible one aborts, which the run reports. A crash stops the run and
# leaves its input in target/fuzz/artifacts/<target>/.
FUZZ_SECONDS ?= 60
fuzz: setup $(VENV)/.cargo-fuzz-$(CARGO_FUZZ_VERSION)
	@rustup toolchain list | grep -q '^nightly' || { echo "make fuzz needs the nightly toolchain (rustup toolchain install nightly)"; exit 1; }
	@for t in $${FUZZ_TARGETS:-$$(cargo +nightly fuzz list --fuzz-dir fuzz)}; do \
		mkdir -p fuzz/corpus/$$t target/fuzz/artifacts/$$t; \
		seeds=$$(awk -v t=$$t '$$1 == t { print $$2 }' fuzz/seeds); \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=512 \
		cargo +nightly fuzz run --fuzz-dir fuzz --target-dir target/fuzz $$t fuzz/corpus/$$t $$seeds -- \
			-max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 -malloc_limit_mb=65536 \
			-artifact_prefix=target/fuzz/artifacts/$$t/ -print_final_stats=1 || exit 1; \
		ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=512 \
		cargo +nightly fuzz cmin --fuzz-dir fuzz --target-dir target/fuzz $$t fuzz/corpus/$$t -- -use_counters=0 \
			-rss_limit_mb=2048 -malloc_limit_mb=65536 -artifact_prefix=target/fuzz/artifacts/$$t/ >/dev/null 2>&1; \
		echo "fuzz: $$t corpus kept: $$(ls fuzz/corpus/$$t | wc -l) inputs"; \
	done

# cargo-fuzz, built once into .venv (make fuzz only).
$(VENV)/.cargo-fuzz-$(CARGO_FUZZ_VERSION): | $(VENV)/.installed
	cargo install --locked --quiet --root $(VENV) cargo-fuzz@$(CARGO_FUZZ_VERSION)
	@touch $@

## fmt: format every crate
fmt:
	cargo fmt --all

## build: sam build for the cloud (arm64, cross-compiled with zig)
build: setup
	$(BIN)/sam build

## build-arm64: the arm64 release binaries with cargo lambda (zig); never needed by tests
build-arm64: setup
	rustup target add aarch64-unknown-linux-gnu
	cargo lambda build --release --arm64 --lambda-dir target/lambda-arm64

## deploy: build, deploy the stack to your AWS account, upload the site, refresh CloudFront's copy
# A deploy with no stack change goes on (samconfig: fail_on_empty_changeset
# = false): the site may have changed alone. CloudFront caches the pages
# for a day (Managed-CachingOptimized), so the upload is followed by an
# invalidation of every path (one path, /*, is one of the free 1,000 a month).
STACK ?= rightnow
deploy: build
	$(BIN)/sam deploy
	output() { $(BIN)/aws cloudformation describe-stacks --stack-name $(STACK) \
		--query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue" --output text; }; \
	$(BIN)/aws s3 sync site/ s3://$$(output SiteBucketName)/ --delete; \
	$(BIN)/aws cloudfront create-invalidation --distribution-id $$(output SiteDistributionId) \
		--paths '/*' --query Invalidation.Id --output text

## bench: cold start, latency, size, memory and cost of every function (bench/results/)
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--runs 5 --no-latency" (see --help).
bench: setup
	cargo run --profile tool -p rightnow-bench -- run $(BENCH_ARGS)

## load: LOAD_RATE requests a second (default 50) for LOAD_SECONDS (60) across site-api's and the chat's routes, via the gateway then directly; fails on a 5xx or a write not read back
LOAD_RATE ?= 50
LOAD_SECONDS ?= 60
load: setup
	cargo run --profile tool -p rightnow-bench -- load --rate $(LOAD_RATE) --seconds $(LOAD_SECONDS)

## fixtures: regenerate the test videos in tests/fixtures/videos with ffmpeg
fixtures: setup
	$(LOCAL) fixtures

## invoke: call a function under `cargo lambda watch` (make dev) with a sample event (FN=<function> EVENT=<name>)
FN ?= site-api
EVENT ?= $(basename $(notdir $(firstword $(wildcard events/$(FN)/*.json))))
invoke: setup
	@[ -f "events/$(FN)/$(EVENT).json" ] || { \
		echo "no sample event events/$(FN)/$(EVENT).json; there are:"; \
		for f in events/*/*.json; do n=$${f#events/}; echo "  make invoke FN=$${n%%/*} EVENT=$$(basename $$f .json)"; done; \
		exit 2; }
	cargo lambda invoke $(FN) --data-file events/$(FN)/$(EVENT).json

## report: the daily report for DATE=YYYY-MM-DD (default yesterday, UTC) on the running local stack, step by step
report: setup
	$(LOCAL) report $(if $(DATE),--date $(DATE))

## clean: remove sam's build and the local cloud's state (.aws-sam, .local)
clean:
	rm -rf .aws-sam .local
