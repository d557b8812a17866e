# rbxemu: make build | test | bench | lint | fuzz | cross
GO        ?= go
PKG       := ./...
BIN       := bin/rbxemu
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
FUZZTIME  ?= 30s
BENCHTIME ?= 1s

.PHONY: build test bench lint fuzz cross serve clean

build:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/rbxemu

# The whole suite, race detector on. Fuzz seed corpora run as ordinary tests.
test:
	$(GO) vet $(PKG)
	$(GO) test -race -count=1 -timeout 30m $(PKG)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKG)

lint:
	$(GO) vet $(PKG)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Each fuzz target for FUZZTIME.
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

# The four platforms Studio users run (no cgo anywhere).
cross:
	@for p in linux/amd64 windows/amd64 darwin/amd64 darwin/arm64; do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "build $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -ldflags '$(LDFLAGS)' -o bin/rbxemu-$$os-$$arch$$ext ./cmd/rbxemu || exit 1; \
	done

serve: build
	$(BIN) serve

clean:
	rm -rf bin
