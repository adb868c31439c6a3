# kinfer: the commands a developer types. See README.md.
SHELL := /bin/bash
NODE_TESTS = $(shell find dist/test -name '*.test.js' 2>/dev/null | sort)

.PHONY: install build lint test test-unit bench bench-epp clean controlplane upstream cluster cluster-down cluster-status demo demo-down

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

test: build controlplane upstream ## every test the repo has: unit, service, e2e on the local control plane (first run builds it: ~7 min, and the LWS controller, the upstream EPP and llm-d-inference-sim: ~8 min more)
	test/netns.sh node --test --test-concurrency=1 $$(find dist/test -name '*.test.js' | sort)

bench: build ## benchmarks; they print figures (markdown) and write bench/results/*.json, never pass/fail on time
	node dist/bench/extender.bench.js
	node dist/bench/placement-quality.bench.js
	node dist/bench/top.bench.js
	node dist/bench/routing.bench.js
	node dist/bench/routing-stand.bench.js
	node dist/bench/routing-live.bench.js
	node dist/bench/recommend-accuracy.bench.js
	node dist/bench/autoscale.bench.js

demo: node_modules build controlplane upstream ## the whole system on this machine: control plane, simulated nodes, two models, picker, load, top
	@node dist/test/demo/demo.js up

demo-down: ## stop everything make demo started
	@if [ -f dist/test/demo/demo.js ]; then node dist/test/demo/demo.js down; else KINFER_LOCAL_DIR=$(CURDIR)/.kinfer/demo test/controlplane/cluster.sh down --purge; fi

bench-epp: build controlplane upstream ## kinfer-picker beside the upstream EPP through real Envoy (~95 min: three seeds, five rates, four policies; in its own network namespace)
	test/netns.sh node dist/bench/routing-epp.bench.js

controlplane: ## build etcd, kube-apiserver, kube-scheduler, kubectl into .kinfer/bin (skipped when up to date; a cold build takes ~5 min on 2 cores)
	test/controlplane/build.sh

upstream: ## the upstream CRDs (InferencePool, Gateway API, LeaderWorkerSet) into .kinfer/crds; the LWS controller, the EPP v1.5.0, llm-d-inference-sim v0.10.2, helm, krew and adapter-rules (prometheus-adapter v0.12.0's config loader) into .kinfer/bin (see test/upstream; skipped when up to date)
	test/upstream/upstream.sh crds
	test/upstream/upstream.sh build lws-controller epp llm-d-inference-sim helm validate-krew-manifest kubectl-krew adapter-rules

cluster: controlplane upstream build ## local control plane + kinfer-extender + upstream CRDs + LWS controller on 127.0.0.1; kubeconfig at .kinfer/local/kubeconfig
	KINFER_EXTENDER_CMD="node dist/extender/main.js --port 28090 --kubeconfig .kinfer/local/kubeconfig" test/controlplane/cluster.sh up

cluster-down: ## stop the local control plane (PURGE=1 also deletes etcd data)
	test/controlplane/cluster.sh down $(if $(PURGE),--purge)

cluster-status:
	test/controlplane/cluster.sh status

clean:
	rm -rf dist
