# kinfer: the commands a developer types. See README.md.
SHELL := /bin/bash
NODE_TESTS = $(shell find dist/test -name '*.test.js' 2>/dev/null | sort)

.PHONY: install build lint test test-unit bench clean

install: ## npm ci + build
	npm ci --no-audit --no-fund
	$(MAKE) build

node_modules: package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

build: node_modules ## compile TypeScript to dist/
	rm -rf dist
	npx tsc -p tsconfig.json

lint: node_modules ## type check + ESLint (includes the dependency-direction rule)
	npx tsc -p tsconfig.json --noEmit
	npx eslint .

test: build ## every test the repo has
	node --test --test-concurrency=1 $$(find dist/test -name '*.test.js' | sort)

bench: build ## benchmarks; they print figures, never pass/fail on time
	node dist/bench/extender.bench.js

clean:
	rm -rf dist
