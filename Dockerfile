# syntax=docker/dockerfile:1
# SLO-Scout image: `docker run IMAGE demo|analyze|serve|worker|migrate|pr ...` (entrypoint: slo-scout).
# Built and smoke-tested by scripts/oci-smoke.sh (demo, serve /healthz + /readyz, worker SIGTERM).

# ---- build: compile TypeScript with the dev dependencies
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY app app
COPY workers workers
RUN npx tsc -p tsconfig.build.json
# The details pages (/ui): React + Tailwind bundled by Vite into dist/web, served by `serve`.
COPY web web
RUN npx vite build --config web/vite.config.ts

# ---- runtime: production dependencies and the compiled code only
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    SLO_SCOUT_HEALTH_URL=http://127.0.0.1:3000/healthz
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist dist
COPY templates templates
COPY migrations migrations
COPY schemas schemas
COPY app.yml ./
# /data: a writable place for named volumes (proposals, demo backfill); a new volume takes its owner.
RUN chmod 0755 dist/app/bin.js && ln -s /app/dist/app/bin.js /usr/local/bin/slo-scout \
 && mkdir -p /data && chown node:node /data
# The official node images' unprivileged user (uid 1000).
USER node
EXPOSE 3000 9464
# serve answers /healthz on PORT; a worker sets SLO_SCOUT_HEALTH_URL to its --metrics-port.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.SLO_SCOUT_HEALTH_URL).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["slo-scout"]
CMD ["--help"]
