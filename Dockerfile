# Sunshine (阳光施政平台): one image, every role.
#
#   docker build -t registry.example.com/sunshine/sunshine:$(git describe --tags --always) \
#     --build-arg VERSION=$(git describe --tags --always) --build-arg SOURCE=<repository URL> \
#     --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
#
# Stages: the console (Vue, built by Node) → the Go binary embedding it (static, CGO off)
# → a distroless runtime that runs as the nonroot user (65532) with nothing but the binary,
# CA certificates, time zone data and the tenant manifests. The builders run on the build
# machine's platform and cross-compile, so `docker buildx build --platform
# linux/amd64,linux/arm64` needs no emulation for the slow parts.
#
# deploy/dockerfile_test.go checks this file (pinned bases, non-root user, exec-form
# entrypoint, only port 8080, OCI labels), since no Docker engine runs in CI.

# --- console ---------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM node:20.20.2-bookworm-slim AS console
WORKDIR /src/apps/console
# Dependencies first: this layer is reused until package-lock.json changes.
COPY apps/console/package.json apps/console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY apps/console/ ./
RUN npm run build

# --- binary ----------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The built console replaces the placeholder and is embedded by apps/console/embed.go.
COPY --from=console /src/apps/console/dist/ apps/console/dist/
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/sunshine ./apps/sunshine \
 && mkdir -p /out/tenants \
 && (cp tenants/*.yaml /out/tenants/ 2>/dev/null || true)

# --- runtime ---------------------------------------------------------------------------
# distroless/static: CA certificates, tzdata, /etc/passwd with nonroot (65532); no shell,
# no package manager. Pin by digest in your registry mirror for reproducible builds:
#   crane digest gcr.io/distroless/static-debian12:nonroot
FROM gcr.io/distroless/static-debian12:nonroot AS runtime

ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
# The repository URL and the licence (an SPDX expression) of your build.
ARG SOURCE=""
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="sunshine" \
      org.opencontainers.image.description="Sunshine (阳光施政平台): administrative power in the sunshine — one binary for api, worker, scheduler and migrations" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

COPY --from=build /out/sunshine /usr/local/bin/sunshine
# Tenant manifests shipped with this version, for `sunshine tenants apply /etc/sunshine/tenants`
# (the chart's tenants.source=image).
COPY --from=build /out/tenants/ /etc/sunshine/tenants/

# The application writes nothing to disk in production: run it with a read-only root
# filesystem (the chart mounts an emptyDir at /tmp).
# In a container the API listens on every interface (the binary's default is loopback).
ENV SUNSHINE_HTTP_ADDR=0.0.0.0:8080
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/sunshine"]
CMD ["api"]
