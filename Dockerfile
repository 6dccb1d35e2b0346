# syntax=docker/dockerfile:1
# HIE Broker: one image for both process roles (BROKER_ROLE=api|worker|all).
# Build:  docker build -t hie-broker .
# Run:    docker run --read-only -v hie-audit:/app/data -v hie-tmp:/tmp -p 8080:8080 \
#           -e CONFIG_FILE=/etc/hie-broker/broker.yaml -v $PWD/broker.yaml:/etc/hie-broker/broker.yaml:ro hie-broker

# The Node.js the project pins (package.json devDependencies.node); test/container-image.test.ts keeps them equal.
ARG NODE_VERSION=24.21.0

# ---- build: every dependency, compile TypeScript, then keep production dependencies only
FROM node:${NODE_VERSION}-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The lockfile is respected as is (npm ci refuses a lockfile without other platforms' optional binaries).
# No install scripts: the pinned `node` devDependency would fetch a second Node, and no runtime
# dependency needs one.
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY config ./config
COPY adapters ./adapters
COPY broker ./broker
COPY viewer ./viewer
COPY sim ./sim
COPY bench ./bench
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
 && rm -rf dist/sim dist/bench \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: production dependencies, the compiled broker, its default configuration
FROM node:${NODE_VERSION}-trixie-slim
# tini is PID 1: it forwards SIGTERM to node (graceful shutdown drains views and deliveries) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config/default.yaml config/sources.example.yaml ./config/
# The viewer's templates and its own assets are read at run time (nhsuk-frontend's come with node_modules).
COPY viewer/templates ./viewer/templates
COPY viewer/public ./viewer/public
# The only writable places, for a read-only root filesystem: the file audit journal (config
# audit.store.directory, data/audit relative to /app) and the temporary directory. Mount volumes there.
RUN mkdir -p /app/data/audit && chown -R 1000:1000 /app/data
VOLUME ["/app/data", "/tmp"]
# The image's `node` user, by number so that Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# As `npm start`: the tracing entry first (it starts OpenTelemetry only when OTEL_* asks for it), then
# the broker process with the clinician's viewer mounted when viewer.enabled is set.
CMD ["node", "--max-semi-space-size=32", "--require=./dist/broker/observability/tracing.js", "dist/viewer/main.js"]
