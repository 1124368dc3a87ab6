.PHONY: test lint bench run services chromium

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

services:
	@bash -c '. .ci/services.sh && ensure_services'

chromium:
	@bash -c '. .ci/services.sh && ensure_chromium'
