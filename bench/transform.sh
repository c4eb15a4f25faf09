#!/usr/bin/env bash
# Batch transform throughput and memory, on loopback. Prints a table; every figure comes from this run.
#   1. records/s of a tabular CSV model (generated MLP, 4 features) through `./sluice transform --model` (in-process)
#      and `--endpoint` (a `./sluice serve` on loopback), on the same generated input;
#   2. peak resident memory of `./sluice transform --endpoint` on a large input (default 2 GiB) against a trivial echo
#      container, with the JVM heap capped at 256 MiB: the engine streams, so memory must not grow with the input.
# Usage: bench/transform.sh [MODEL_INPUT_MB=64] [BIG_INPUT_MB=2048]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
MODEL_MB="${1:-64}"
BIG_MB="${2:-2048}"
WORK="$(mktemp -d /tmp/sluice-bench-transform.XXXXXX)"
PORT=18380; ADMIN_PORT=18381; ECHO_PORT=18390
ECHO_PID=""
cleanup() { stop_server; [[ -n "$ECHO_PID" ]] && kill "$ECHO_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

MLP="$(fixture mlp "$WORK/models")"
mkdir -p "$WORK/small" "$WORK/big"
# Rows of 4 features; `yes` writes them at disk speed, bounded by head.
# Whole rows only (19 bytes each with the newline), so the last row is not cut in half.
yes "0.5,-1.25,2.0,3.75" | head -n "$((MODEL_MB * 1024 * 1024 / 19))" > "$WORK/small/data.csv" || true
yes "0.5,-1.25,2.0,3.75" | head -n "$((BIG_MB * 1024 * 1024 / 19))" > "$WORK/big/data.csv" || true
ROWS_SMALL=$(wc -l < "$WORK/small/data.csv")
ROWS_BIG=$(wc -l < "$WORK/big/data.csv")

run_transform() { # run_transform NAME ARGS... -> prints "seconds peak_rss_kb"
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" \
    env SLUICE_JAVA_OPTS="-Xmx256m" ./sluice transform "$@" > "$WORK/$name.log" 2>&1 || { tail -5 "$WORK/$name.log" >&2; return 1; }
  cat "$WORK/$name.time"
}

# Raw ONNX Runtime on in-memory batches of the same size the transform sends (~6 MB of CSV ≈ 330k rows): the ceiling.
./mvnw -q -B -o install -pl core,inference-pipeline -DskipTests
./mvnw -q -B -o -pl model-host test-compile
./mvnw -q -B -o -pl model-host dependency:build-classpath -Dmdep.outputFile="$WORK/cp" -Dmdep.includeScope=test >/dev/null
# -Xss16m: ONNX Runtime's start-up recurses deeply on a long class path (see ModelHost.LOADER_STACK_BYTES).
read -r RAW_ROWS T_RAW < <("$(java_bin)" -Xmx256m -Xss16m -cp "model-host/target/test-classes:model-host/target/classes:$(cat "$WORK/cp")" \
  dev.sluice.modelhost.bench.RawOrtBench "$MLP" "$ROWS_SMALL" 330000 4 2>/dev/null)

# Build the launcher's jar now if sources changed, so no timed run includes a build.
./sluice --version > /dev/null 2>&1 || ./sluice --help > /dev/null 2>&1 || true

COMMON=(--split-type Line --batch-strategy MultiRecord --content-type text/csv --accept text/csv --assemble-with Line)
read -r T_MODEL M_MODEL < <(run_transform model --model "$MLP" --input "$WORK/small" --output "$WORK/out-model" "${COMMON[@]}" --max-concurrent 2)

start_server serve --port "$PORT" --admin-port "$ADMIN_PORT" --bind 127.0.0.1 --data-dir "$WORK/state" --model "mlp=$MLP"
read -r T_EP M_EP < <(run_transform endpoint --endpoint "http://127.0.0.1:$PORT" --input "$WORK/small" --output "$WORK/out-endpoint" "${COMMON[@]}" --max-concurrent 2)
stop_server

# A container that answers every request with its own body: the transform's own cost and memory, not a model's.
python3 - "$ECHO_PORT" > "$WORK/echo.log" 2>&1 <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200 if self.path == "/ping" else 404); self.send_header("Content-Length", "0"); self.end_headers()
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200); self.send_header("Content-Type", "text/csv"); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
PY
ECHO_PID=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$ECHO_PORT/ping" && break; sleep 0.1; done
read -r T_BIG M_BIG < <(run_transform big --endpoint "http://127.0.0.1:$ECHO_PORT" --input "$WORK/big" --output "$WORK/out-big" "${COMMON[@]}" --max-concurrent 2)
OUT_ROWS=$(wc -l < "$WORK/out-big/data.csv.out")

echo "nproc=$(nproc); JVM heap capped at 256 MiB (-Xmx256m); MultiRecord, 6 MB payloads, 2 concurrent"
echo "| run | input | rows | seconds | rows/s | peak RSS |"
echo "|---|---|---|---|---|---|"
printf "| raw ONNX Runtime, in-memory FP32 batches, 1 runner per core | – | %d | %s | %.0f | – |\n" "$RAW_ROWS" "$T_RAW" "$(echo "$RAW_ROWS / $T_RAW" | bc -l)"
printf "| --model (in-process MLP) | %d MiB | %d | %s | %.0f | %d MiB |\n" "$MODEL_MB" "$ROWS_SMALL" "$T_MODEL" "$(echo "$ROWS_SMALL / $T_MODEL" | bc -l)" "$((M_MODEL / 1024))"
printf "| --endpoint (sluice serve, MLP) | %d MiB | %d | %s | %.0f | %d MiB |\n" "$MODEL_MB" "$ROWS_SMALL" "$T_EP" "$(echo "$ROWS_SMALL / $T_EP" | bc -l)" "$((M_EP / 1024))"
printf "| --endpoint (echo container) | %d MiB | %d | %s | %.0f | %d MiB |\n" "$BIG_MB" "$ROWS_BIG" "$T_BIG" "$(echo "$ROWS_BIG / $T_BIG" | bc -l)" "$((M_BIG / 1024))"
echo "echo run: $OUT_ROWS rows written of $ROWS_BIG read"
printf "ratios in this run: --model / raw = %.3f, --endpoint / raw = %.3f\n" \
  "$(echo "($ROWS_SMALL / $T_MODEL) / ($RAW_ROWS / $T_RAW)" | bc -l)" "$(echo "($ROWS_SMALL / $T_EP) / ($RAW_ROWS / $T_RAW)" | bc -l)"
