.PHONY: test lint bench fuzz run services chromium

# The test command of the README: starts PostgreSQL and Redis if they are
# down, installs Chromium for the sandbox's browser test if it is missing,
# then runs every package with the race detector against the real servers.
test: services chromium
	go test -race -count=1 ./...

# Runs the service; with no TELEGRAM_BOT_TOKEN it is the sandbox on :8080.
run: services
	go run ./cmd/rantevou serve

lint:
	go vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)
	go run honnef.co/go/tools/cmd/staticcheck@latest ./...

bench: services
	go test -run='^$$' -bench=. -benchmem ./...

# Runs every native fuzz test of the module for FUZZTIME each (a duration,
# or a count of executions such as 100000x), one after another: go test
# -fuzz takes one target at a time. Each starts from the seed corpus under
# its package's testdata/fuzz. A failing input is written there and stops
# the run; commit it with the fix. Go 1.26's fuzzing coordinator can end a
# timed run with a bare "context deadline exceeded" and no failing input
# (golang/go#75804, fixed in Go 1.27): that is reported and not counted.
FUZZTIME ?= 30s
fuzz: services
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for pkg in $$(go list ./...); do \
		for target in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			if go test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg >$$out 2>&1; then \
				grep -v 'gathering baseline' $$out | tail -n 3; \
			elif grep -q 'context deadline exceeded' $$out && ! grep -q 'Failing input written' $$out; then \
				grep -v 'gathering baseline' $$out | tail -n 6; \
				echo "   (the coordinator's end-of-run race, golang/go#75804: no failing input)"; \
			else \
				cat $$out; exit 1; \
			fi; \
		done; \
	done

services:
	@bash -c '. .ci/services.sh && ensure_services'

chromium:
	@bash -c '. .ci/services.sh && ensure_chromium'
