.PHONY: test lint bench run services

# The test command of the README: every package, race detector on, against
# the real PostgreSQL and Redis.
test:
	go test -race -count=1 ./...

lint:
	go vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)
	go run honnef.co/go/tools/cmd/staticcheck@latest ./...

bench:
	go test -run='^$$' -bench=. -benchmem ./...

run:
	go run ./cmd/rantevou serve

services:
	bash -c '. .ci/services.sh && ensure_services'
