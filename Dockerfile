# syntax=docker/dockerfile:1
# stepgate: Envoy ext_authz v3 gRPC service.
#
#   docker build -t stepgate .
#   docker run --rm -p 9191:9191 --read-only stepgate      # serves the bundled example policy
#
# The build steps live in scripts/build.sh (which CI runs too, test/deploy/build.test.ts); this
# file only places its output in a small runtime image.

# The Active Node.js LTS line (26 since 2026-10-28; 24 is in maintenance) on Debian 13 (trixie,
# the stable release) slim. Pin a digest (node:26-trixie-slim@sha256:…) for reproducible builds;
# override with --build-arg NODE_IMAGE=… to test another.
ARG NODE_IMAGE=node:26-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
# npm ci, compile (type-checked), production-only node_modules -> /out
RUN --mount=type=cache,target=/root/.npm OUT=/out bash scripts/build.sh

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the process: it runs as 10001 and writes nothing anywhere,
# so the container works with a read-only root filesystem.
COPY --from=build /out/ /app/
# The default policy at the path the default CMD reads. In Kubernetes the stepgate-config
# ConfigMap is mounted over /etc/stepgate (deploy/base).
COPY --from=build /out/examples/stepgate.yaml /etc/stepgate/stepgate.yaml
# Numeric, so Kubernetes' runAsNonRoot can verify it (a user name cannot be checked).
USER 10001:10001
# 9191: ext_authz gRPC + grpc.health.v1 + reflection. 9464: Prometheus metrics.
# 8080: the step-up routes /.stepgate/* (server.http_listen; served when stepup.oidc is configured).
EXPOSE 9191 9464 8080
# node itself is PID 1: stepgate handles SIGTERM/SIGINT (NOT_SERVING, drain, exit 0) and starts no
# child processes, so no init process is needed. No npm at run time.
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve", "--config", "/etc/stepgate/stepgate.yaml"]
