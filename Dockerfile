# syntax=docker/dockerfile:1
#
# The Hypersoft subgraph as a small, non-root production image. Build and run:
#   docker build -t hypersoft-subgraph .
#   docker run --rm -p 4001:4001 -e API300_URL=… -e API300_CUS_TOKEN_FILE=/run/secrets/cus … hypersoft-subgraph
# Secrets never enter the image: pass them at run time (env or *_FILE container secrets).
# NODE_ENV=production: the process refuses to start unless the operator sets API300_URL,
# API300_CUS_TOKEN and API300_AUTH_TOKEN, and ROUTER_SECRET or ROUTER_HMAC_SECRET (or, on a
# network only the router reaches, ROUTER_AUTH_DISABLED=true); with REDIS_URL also
# CACHE_ENCRYPTION_KEY, or no records are cached in Redis. Introspection and GraphiQL are
# off. The whole list: docs/operations.md, "Production checklist".
# What was and was not verified about this file: docs/graphiql.md ("Container image").

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: every dependency, codegen, tsc → dist/ ---------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json codegen.yml ./
COPY schema ./schema
COPY src ./src
RUN npm run build

# --- production dependencies only, from the same lock file -------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime ------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=4001
WORKDIR /app
# Owned by root and read-only for the app user: the process cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at run time: the GraphQL SDL (schema/*.graphql) and the local WSDL of API300.
COPY schema ./schema
COPY package.json ./
# The mirror's store and the upstream quota's journal (MIRROR_STORE_PATH defaults to ./data
# with API300_URL): owned by the app user, owner-only, and a volume, so a restart or a new
# container resumes from the watermarks and knows the calls of the last minute.
RUN mkdir -p /app/data && chown node:node /app/data && chmod 700 /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 4001
# Liveness only (/healthz answers without touching API300); node because slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4001) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (no shell in between); the app's
# SIGTERM handler drains requests and exits. No `npm start`: npm would rebuild and would not
# forward signals reliably.
CMD ["node", "dist/src/main.js"]
