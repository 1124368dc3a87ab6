# Build a small static binary, then run it on a minimal base with CA
# certificates and the time zone database (slots are computed in Europe/Athens).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /rantevou ./cmd/rantevou

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /rantevou /rantevou
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/rantevou"]
CMD ["serve"]
