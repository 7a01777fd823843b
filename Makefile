# Sunshine (阳光施政平台). The two commands a newcomer needs:
#   make run    build the console and the binary, then start everything with demo data
#   make test   run every test (Go unit + integration, console unit, browser, Helm)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
NPM       ?= npm
CONSOLE   := apps/console
BIN       := bin/sunshine
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
GOTESTFLAGS ?= -count=1 -timeout 15m

CONSOLE_SRC := $(shell find $(CONSOLE)/src $(CONSOLE)/public -type f 2>/dev/null) \
	$(CONSOLE)/index.html $(CONSOLE)/vite.config.ts $(CONSOLE)/tsconfig.json $(CONSOLE)/tsconfig.node.json $(CONSOLE)/package.json

.PHONY: help run build binary console console-deps test go-test fuzz-smoke fuzz console-test e2e helm-test bench lint fmt clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

run: build ## build everything and start api+worker+scheduler with embedded PostgreSQL/Redis and the Anyang demo
	./$(BIN) dev

build: console binary ## build the console and the binary

binary: ## build bin/sunshine (embeds the built console)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./apps/sunshine

console: $(CONSOLE)/dist/index.html ## build the console (only when its sources changed)

$(CONSOLE)/dist/index.html: $(CONSOLE)/node_modules/.package-lock.json $(CONSOLE_SRC)
	cd $(CONSOLE) && $(NPM) run build

console-deps: $(CONSOLE)/node_modules/.package-lock.json

$(CONSOLE)/node_modules/.package-lock.json: $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && $(NPM) ci --no-audit --no-fund --loglevel=error

test: build go-test fuzz-smoke console-test e2e helm-test ## every test; uses TEST_DATABASE_URL/TEST_REDIS_URL when set, embedded servers otherwise

# Without TEST_DATABASE_URL every package would start its own PostgreSQL; testenv
# starts one for the whole run and points the packages at it.
go-test: binary ## Go unit and integration tests (real PostgreSQL, real or in-process Redis)
	@if [ -z "$${TEST_DATABASE_URL:-}" ]; then \
		./$(BIN) testenv -- $(GO) test $(GOTESTFLAGS) ./...; \
	else \
		$(GO) test $(GOTESTFLAGS) ./...; \
	fi

# The fuzz targets (package:Target). `go test` runs each one's committed seed corpus
# (testdata/fuzz/) as ordinary tests; fuzz-smoke fuzzes the cheap ones for a few
# seconds in `make test`; `make fuzz` fuzzes all of them for FUZZTIME each.
FUZZ_TARGETS := pkg/idcheck:FuzzResidentID pkg/idcheck:FuzzResidentIDNormalForm pkg/idcheck:FuzzCreditCode \
	pkg/idcheck:FuzzCreditCodeCheckCharacter pkg/catalogue:FuzzFlowchartJSON pkg/catalogue:FuzzImportWorkbook \
	pkg/httpapi:FuzzBind pkg/calendar:FuzzAddWorkingDays pkg/calendar:FuzzWorkingDaysBetween
FUZZ_SMOKE   := pkg/idcheck:FuzzResidentIDNormalForm pkg/idcheck:FuzzCreditCodeCheckCharacter pkg/catalogue:FuzzFlowchartJSON \
	pkg/calendar:FuzzAddWorkingDays
FUZZTIME     ?= 2m

fuzz-smoke: ## fuzz the cheap targets for 3 s each (part of `make test`)
	@$(MAKE) --no-print-directory fuzz FUZZ_TARGETS="$(FUZZ_SMOKE)" FUZZTIME=3s

fuzz: ## fuzz every target for FUZZTIME (default 2m) each; new failing inputs land in testdata/fuzz
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz: $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test ./$$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

console-test: console-deps ## console unit tests (Vitest)
	cd $(CONSOLE) && $(NPM) test

e2e: build ## browser tests: playwright-core driving headless Chromium against a fresh `sunshine dev`
	scripts/e2e.sh

helm-test: ## helm lint/template for each level and schema rejection of bad values
	@if [ -d charts/sunshine ]; then scripts/helm-test.sh; else echo "helm-test: no chart yet"; fi

bench: binary ## performance targets against same-run baselines; report appended to docs/benchmarks.md
	scripts/bench.sh $(BENCHFLAGS)

lint: ## go vet and the console's type check
	$(GO) vet ./...
	cd $(CONSOLE) && $(NPM) run typecheck

fmt: ## gofmt the Go code
	gofmt -w apps pkg migrations

clean: ## remove build outputs and the dev database (.sunshine/)
	rm -rf bin .sunshine $(CONSOLE)/dist/assets $(CONSOLE)/dist/index.html
