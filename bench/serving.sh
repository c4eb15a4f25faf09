#!/usr/bin/env bash
# Serving throughput of ./sluice serve on loopback, measured with wrk (Debian package `wrk`).
# Runs: a generated MLP (JSON, 4 floats in, 3 out) and the built-in MiniLM int8 demo (one short sentence),
# each at 1 and 32 connections, for DURATION seconds per run (default 10) after a warm-up. Prints a table.
# Everything it starts is stopped on exit; only 127.0.0.1 is targeted.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
PORT="${PORT:-18080}"
ADMIN_PORT="${ADMIN_PORT:-18081}"
command -v wrk >/dev/null || { echo "bench: wrk not found (apt-get install wrk)" >&2; exit 1; }

./sluice --version >/dev/null   # builds the jar if needed
source bench/lib.sh
WORK="$(mktemp -d)"
trap 'stop_server; rm -rf "$WORK"' EXIT

MLP="$(fixture mlp "$WORK/mlp")"

cat > "$WORK/mlp.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":{"input":[[1.0,2.0,3.0,4.0]]}}'
LUA
cat > "$WORK/embed.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":["a cat sits on the mat"]}'
LUA

printf '| workload | connections | requests/s | p50 ms | p99 ms | non-2xx |\n|---|---|---|---|---|---|\n' > "$WORK/table"

start_server serve --port "$PORT" --admin-port "$ADMIN_PORT" --bind 127.0.0.1 --data-dir "${WORK}/state" --model "mlp=$MLP"
run_wrk "MLP JSON" 1 "$WORK/mlp.lua" >> "$WORK/table"
run_wrk "MLP JSON" 32 "$WORK/mlp.lua" >> "$WORK/table"
stop_server

start_server serve --port "$PORT" --admin-port "$ADMIN_PORT" --bind 127.0.0.1 --data-dir "${WORK}/state"
run_wrk "MiniLM int8 demo, 1 sentence" 1 "$WORK/embed.lua" >> "$WORK/table"
run_wrk "MiniLM int8 demo, 1 sentence" 32 "$WORK/embed.lua" >> "$WORK/table"
stop_server

echo
echo "nproc=$(nproc), ${DURATION}s per run, wrk on the same machine"
cat "$WORK/table"
