# wajah build. GOEXPERIMENT=simd turns on the archsimd kernels; everything also builds
# and passes without it (pure-Go twins).
export GOEXPERIMENT ?= simd
GO      ?= go
BIN     := bin/wajah
MODELS  := .models/.verified

.PHONY: all build run test test-short models bench lint fuzz clean

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

test: $(MODELS)
	$(GO) vet ./...
	@# The pure-Go kernels must build (and vet) without the SIMD experiment too.
	GOEXPERIMENT= $(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...
	@# Inference is ~20x slower under -race, so embed's whole-pipeline tests on real photos
	@# run only here, without the race detector.
	$(GO) test -count=1 -timeout 10m ./embed/...
	@# Every benchmark once, so none rots.
	$(GO) test -count=1 -run '^$$' -bench . -benchtime=1x ./...

bench: $(MODELS) build
	$(GO) test -run '^$$' -bench . ./...
	./$(BIN) bench nn

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)

clean:
	rm -rf bin
