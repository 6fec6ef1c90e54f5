#!/usr/bin/env bash
# oci-smoke.sh: builds the project's Dockerfile and runs the image the way users will, on a machine
# with no Docker daemon and no registry: rootful podman + runc from Debian, a debootstrap'd bookworm
# base, the host's Node 20 standing in for node:20-bookworm-slim (same `node` user, uid 1000), and
# npm ci inside the build run offline from an npm cache filled on the host
# (../shared/tools/oci-local.sh explains each of these choices). Then:
#   1. `demo` writes PULL_REQUEST.md, report.json and slos/ into a mounted directory;
#   2. `serve` answers /healthz and /readyz against the host's PostgreSQL and Redis;
#   3. `worker` starts, answers /healthz on its metrics port, and exits 0 on SIGTERM.
# Uses a private database (created and dropped here) and a unique Redis key prefix (its keys are
# deleted at the end). Prints the time of each step.
#
# Env: OCI_WORK (/tmp/slo-scout-oci)  OCI_ROOTFS (/tmp/rootfs, reused when present)
#      PGHOST/PGPORT/PGUSER (127.0.0.1/5432/postgres)  REDIS_HOST/REDIS_PORT (127.0.0.1/6379)
#      OCI_KEEP=1 keeps the image and podman storage (a rerun then takes seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
W=${OCI_WORK:-/tmp/slo-scout-oci}
ROOTFS=${OCI_ROOTFS:-/tmp/rootfs}
PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
REDIS_HOST=${REDIS_HOST:-127.0.0.1} REDIS_PORT=${REDIS_PORT:-6379}
IMAGE=localhost/slo-scout:smoke
RUN_ID=$$
DB=slo_scout_oci_$RUN_ID
PREFIX=slo-scout-oci-$RUN_ID
T0=$(date +%s.%N)
ts() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$(ts)" 'BEGIN{printf "%.1f", b-a}'; }
log() { printf '\n=== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
declare -A TIMES
[ "$(id -u)" = 0 ] || fail "must run as root (rootful podman)"

PRE_EXIST=()
for d in /var/lib/containers /run/containers /run/libpod; do [ -e "$d" ] && PRE_EXIST+=("$d"); done
CONTAINERS=()
cleanup() {
  set +e
  for c in "${CONTAINERS[@]+"${CONTAINERS[@]}"}"; do podman rm -f -t 2 "$c" >/dev/null 2>&1; done
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --scan --pattern "$PREFIX:*" | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" del >/dev/null 2>&1
  if [ "${OCI_KEEP:-0}" != 1 ]; then
    podman rmi -a -f >/dev/null 2>&1
    rm -rf "$W/storage" "$W/runroot" "$W/tmp"
  fi
  for d in /var/lib/containers /run/containers /run/libpod; do
    keep=0; for p in "${PRE_EXIST[@]+"${PRE_EXIST[@]}"}"; do [ "$p" = "$d" ] && keep=1; done
    [ "$keep" = 0 ] && rm -rf "$d"
  done
}
trap cleanup EXIT

# ---------------------------------------------------------------- packages + private podman config
t=$(ts)
need=()
for c in podman runc debootstrap curl openssl; do command -v "$c" >/dev/null || need+=("$c"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
for c in psql redis-cli node npm; do command -v "$c" >/dev/null || fail "$c is missing (PostgreSQL client, Redis CLI and Node 20 come from .ci/run's setup)"; done
TIMES[apt]=$(dt "$t")
mkdir -p "$W"/{storage,runroot,tmp,networks}
NOFILE=$(ulimit -Hn); NPROC=$(ulimit -Hu); PIDMAX=$(cat /proc/sys/kernel/pid_max)
[ "$NPROC" = unlimited ] && NPROC=$PIDMAX
[ "$NPROC" -gt "$PIDMAX" ] && NPROC=$PIDMAX
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/storage"\nrunroot = "%s/runroot"\n' "$W" "$W" > "$W/storage.conf"
cat > "$W/containers.conf" <<CONF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$W/tmp"
runtime = "runc"
[containers]
netns = "none"
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
[network]
network_config_dir = "$W/networks"
CONF
export CONTAINERS_STORAGE_CONF="$W/storage.conf" CONTAINERS_CONF="$W/containers.conf"

# ---------------------------------------------------------------- base images
t=$(ts)
if ! podman image exists localhost/node:20-bookworm-slim; then
  if [ ! -f "$ROOTFS/etc/debian_version" ]; then
    MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    log "debootstrap bookworm into $ROOTFS"
    debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" > "$W/debootstrap.log" 2>&1 || { tail -20 "$W/debootstrap.log"; fail debootstrap; }
    rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/lib/apt/lists/*
  fi
  tar -C "$ROOTFS" -c . | podman import --change 'CMD ["/bin/bash"]' - localhost/debian:bookworm >/dev/null
  NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  rm -rf "$W/ctx-node"; mkdir -p "$W/ctx-node"
  cp "$(command -v node)" "$W/ctx-node/node"; cp -a "$NPM_DIR" "$W/ctx-node/npm"
  # Like node:20-bookworm-slim: node + npm in /usr/local, and the unprivileged `node` user (1000).
  cat > "$W/ctx-node/Dockerfile" <<'DF'
FROM localhost/debian:bookworm
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version
CMD ["node"]
DF
  podman build -q --pull=never --network=none -t localhost/node:20-bookworm-slim "$W/ctx-node" >/dev/null
  podman tag localhost/node:20-bookworm-slim docker.io/library/node:20-bookworm-slim
fi
TIMES[base]=$(dt "$t")

# ---------------------------------------------------------------- npm cache from the host
t=$(ts)
log "npm cache for the lockfile (host)"
rm -rf "$W/prefetch"; mkdir -p "$W/prefetch" "$W/npm-cache"
cp package.json package-lock.json "$W/prefetch/"
(cd "$W/prefetch" && npm ci --cache "$W/npm-cache" --prefer-offline --ignore-scripts --no-audit --no-fund >/dev/null)
rm -rf "$W/prefetch"
printf 'cache=/tmp/npm-cache\noffline=true\naudit=false\nfund=false\nupdate-notifier=false\n' > "$W/npmrc"
TIMES[npm_cache]=$(dt "$t")

# ---------------------------------------------------------------- build
log "podman build (Dockerfile, no network)"
t=$(ts)
# --format docker keeps HEALTHCHECK (the OCI image format has no such field).
podman build --format docker --pull=never --network=none \
  -v "$W/npm-cache:/tmp/npm-cache" -v "$W/npmrc:/usr/local/etc/npmrc:ro" -t "$IMAGE" "$ROOT" > "$W/build.log" 2>&1 \
  || { tail -40 "$W/build.log"; fail "podman build (log: $W/build.log)"; }
TIMES[build]=$(dt "$t")
podman image inspect "$IMAGE" --format 'user={{.Config.User}} entrypoint={{.Config.Entrypoint}} healthcheck={{.Config.Healthcheck.Test}}'
[ "$(podman image inspect "$IMAGE" --format '{{.Config.User}}')" = node ] || fail "image does not run as the non-root user node"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep slo-scout

# ---------------------------------------------------------------- 1. demo
log "demo"
t=$(ts)
OUT=$(mktemp -d); chmod 0777 "$OUT"
podman run --rm --network=none -v "$OUT:/out" "$IMAGE" demo --out /out/demo > "$W/demo.log" 2>&1 || { cat "$W/demo.log"; fail demo; }
for f in PULL_REQUEST.md report.json slos/payments/payments-charge-latency.openslo.yaml; do
  [ -s "$OUT/demo/$f" ] || fail "demo did not write $f"
done
echo "demo wrote $(find "$OUT/demo" -type f | wc -l) files"
rm -rf "$OUT"
TIMES[demo]=$(dt "$t")

# ---------------------------------------------------------------- shared env for serve + worker
psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -qc "CREATE DATABASE $DB" >/dev/null
openssl genrsa 2048 2>/dev/null > "$W/key.pem"
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
ENVS=(-e APP_ID=1 -e "PRIVATE_KEY=$(base64 -w0 < "$W/key.pem")" -e WEBHOOK_SECRET=smoke
      -e "DATABASE_URL=postgres://$PGUSER@$PGHOST:$PGPORT/$DB" -e "REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT" -e "QUEUE_PREFIX=$PREFIX" -e LOG_LEVEL=info)
wait_http() { # url seconds
  for _ in $(seq 1 $(( $2 * 4 ))); do curl -fsS -m 2 "$1" >/dev/null 2>&1 && return 0; sleep 0.25; done; return 1
}
stop_and_check() { # container what
  podman kill --signal TERM "$1" >/dev/null
  code=$(timeout 60 podman wait "$1") || fail "$2 did not exit within 60 s of SIGTERM"
  podman logs "$1" > "$W/$2.log" 2>&1
  [ "$code" = 0 ] || { tail -20 "$W/$2.log"; fail "$2 exited $code after SIGTERM"; }
  grep -q '"shutting down"' "$W/$2.log" || fail "$2 did not log its graceful shutdown"
  echo "$2: exit 0 after SIGTERM"
}

# ---------------------------------------------------------------- 2. serve
log "serve: /healthz, /readyz"
t=$(ts)
PORT=$(free_port)
CONTAINERS+=(slo-scout-serve-$RUN_ID)
podman run -d --name "slo-scout-serve-$RUN_ID" --network=host "${ENVS[@]}" -e "PORT=$PORT" -e "SLO_SCOUT_HEALTH_URL=http://127.0.0.1:$PORT/healthz" "$IMAGE" serve >/dev/null 2>>"$W/podman.log"
wait_http "http://127.0.0.1:$PORT/readyz" 90 || { podman logs "slo-scout-serve-$RUN_ID" | tail -30; fail "serve: /readyz did not answer 200 within 90 s"; }
curl -fsS "http://127.0.0.1:$PORT/healthz"; echo
curl -fsS "http://127.0.0.1:$PORT/readyz"; echo
podman healthcheck run "slo-scout-serve-$RUN_ID" >/dev/null 2>>"$W/podman.log" && echo "HEALTHCHECK: healthy" || echo "HEALTHCHECK: podman could not run it here (no systemd timers); /healthz checked above"
stop_and_check "slo-scout-serve-$RUN_ID" serve
TIMES[serve]=$(dt "$t")

# ---------------------------------------------------------------- 3. worker
log "worker: start, /healthz, SIGTERM"
t=$(ts)
MPORT=$(free_port)
CONTAINERS+=(slo-scout-worker-$RUN_ID)
podman run -d --name "slo-scout-worker-$RUN_ID" --network=host "${ENVS[@]}" -e "SLO_SCOUT_HEALTH_URL=http://127.0.0.1:$MPORT/healthz" "$IMAGE" worker --metrics-port "$MPORT" >/dev/null 2>>"$W/podman.log"
wait_http "http://127.0.0.1:$MPORT/healthz" 90 || { podman logs "slo-scout-worker-$RUN_ID" | tail -30; fail "worker: /healthz did not answer within 90 s"; }
for _ in $(seq 1 120); do podman logs "slo-scout-worker-$RUN_ID" 2>&1 | grep -q '"workers started"' && break; sleep 0.5; done
podman logs "slo-scout-worker-$RUN_ID" 2>&1 | grep -q '"workers started"' || fail "worker never logged 'workers started'"
curl -fsS "http://127.0.0.1:$MPORT/metrics" | grep -c '^slo_scout_' | xargs echo "worker /metrics: slo_scout_* lines:"
stop_and_check "slo-scout-worker-$RUN_ID" worker
TIMES[worker]=$(dt "$t")

log "timings (s)"
for k in apt base npm_cache build demo serve worker; do printf '%-10s %s\n' "$k" "${TIMES[$k]}"; done
printf '%-10s %s\n' total "$(dt "$T0")"
echo "OK: image built; demo, serve and worker behave"
