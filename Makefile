# wajah build. GOEXPERIMENT=simd turns on the archsimd kernels; everything also builds
# and passes without it (pure-Go twins).
export GOEXPERIMENT ?= simd
GO      ?= go
BIN     := bin/wajah
MODELS  := .models/.verified
# How long `make fuzz` runs each fuzzer.
FUZZTIME ?= 10s

.PHONY: all build run test models bench lint fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/wajah

# Fetch and verify models only when the stamp is older than the manifest.
$(MODELS): models/manifest.tsv
	$(GO) run ./cmd/wajah models
	@touch $@

models: $(MODELS)

run: build $(MODELS)
	./$(BIN) serve

test: $(MODELS) lint
	@# The pure-Go kernels must build (and vet) without the SIMD experiment too.
	GOEXPERIMENT= $(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...
	@# ...and pass: the packages with kernels (nn, index, internal/jpeg) again without it,
	@# and embed's whole-pipeline tests on those pure-Go kernels (26 min wall, 14 CPU-min
	@# on 2 cores shared at load ~10, 2026-12-03).
	GOEXPERIMENT= $(GO) test -count=1 -timeout 20m ./nn/... ./index/... ./internal/jpeg/...
	GOEXPERIMENT= $(GO) test -count=1 -timeout 45m ./embed/...
	@# Inference is ~20x slower under -race, so embed's whole-pipeline tests on real photos
	@# run only here, without the race detector.
	$(GO) test -count=1 -timeout 10m ./embed/...
	@# The overload test's latency bounds (busy answers < 50 ms) hold only without -race.
	$(GO) test -count=1 -run '^TestOverload$$' ./server/
	@# Every benchmark once, so none rots.
	$(GO) test -count=1 -run '^$$' -bench . -benchtime=1x ./...

bench: $(MODELS) build
	$(GO) test -run '^$$' -bench . ./...
	./$(BIN) bench nn

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt -l: these files need gofmt -w:"; gofmt -l .; exit 1)

# Every fuzz target in the tree (found in the sources, so a new one is never missed),
# FUZZTIME each; the first failure stops, leaving its input in the package's testdata/fuzz.
fuzz: $(MODELS)
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
	  for n in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "== $$(dirname $$f) $$n ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$n$$" -fuzztime $(FUZZTIME) $$(dirname $$f); \
	  done; \
	done

clean:
	rm -rf bin
