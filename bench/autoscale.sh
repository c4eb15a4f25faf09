#!/usr/bin/env bash
# Autoscaling reaction time with the default policy timings: a local-process variant (child host processes) of the
# generated slow model (40 × 512² MatMuls) under a target-tracking policy on concurrent requests per instance
# (target 2), then a load step from nothing to 8 connections (wrk). Prints when the scale-out was decided and when the
# new instance served, then drops the load and does the same for the scale-in. Loopback only; bounded in time.
# Usage: bench/autoscale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
PORT=18095
ADMIN=18096
WORK="$(mktemp -d /tmp/sluice-autoscale.XXXXXX)"
trap 'kill "${WRK_PID:-0}" 2>/dev/null || true; stop_server; rm -rf "$WORK"' EXIT

MODEL="$(fixture slow "$WORK/model")"
start_server serve --no-demo --bind 127.0.0.1 --port "$PORT" --admin-port "$ADMIN" --data-dir "$WORK/state" \
  --work-dir "$WORK/work"

call() { # call TARGET JSON
  curl -sf -X POST "http://127.0.0.1:${ADMIN}/" -H "X-Amz-Target: $1" -H 'Content-Type: application/x-amz-json-1.1' -d "$2"
}
instances() {
  call SageMaker.DescribeEndpoint '{"EndpointName": "scaled"}' | sed -n 's/.*"CurrentInstanceCount":\([0-9]*\).*/\1/p'
}
now() { date +%s.%N; }

call SageMaker.CreateModel "{\"ModelName\": \"scaled\", \"PrimaryContainer\": {\"Image\": \"sluice/onnx\", \"ModelDataUrl\": \"$MODEL\", \"Environment\": {\"SLUICE_INSTANCES\": \"local-process\", \"SAGEMAKER_MODEL_SERVER_WORKERS\": \"1\", \"SLUICE_BATCHING\": \"false\"}}}" >/dev/null
call SageMaker.CreateEndpointConfig '{"EndpointConfigName": "scaled", "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "scaled", "InitialInstanceCount": 1}]}' >/dev/null
call SageMaker.CreateEndpoint '{"EndpointName": "scaled", "EndpointConfigName": "scaled"}' >/dev/null
for _ in $(seq 1 600); do [[ "$(instances)" == 1 ]] && break; sleep 0.2; done
R='"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/scaled/variant/AllTraffic", "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"'
call AnyScaleFrontendService.RegisterScalableTarget "{$R, \"MinCapacity\": 1, \"MaxCapacity\": 2}" >/dev/null
call AnyScaleFrontendService.PutScalingPolicy "{$R, \"PolicyName\": \"c\", \"PolicyType\": \"TargetTrackingScaling\", \"TargetTrackingScalingPolicyConfiguration\": {\"TargetValue\": 2.0, \"ScaleOutCooldown\": 60, \"ScaleInCooldown\": 60, \"PredefinedMetricSpecification\": {\"PredefinedMetricType\": \"SageMakerVariantConcurrentRequestsPerModelHighResolution\"}}}" >/dev/null

ROW="$(seq 0 511 | awk '{printf "%s%d", (NR>1?",":""), $1 % 5}')"
BODY="$(for _ in $(seq 1 16); do echo "$ROW"; done)"
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/csv"
wrk.body = [[$BODY
]]
LUA
T0="$(now)"
wrk -t2 -c8 -d240s -s "$WORK/post.lua" "http://127.0.0.1:${PORT}/endpoints/scaled/invocations" > "$WORK/wrk.txt" 2>&1 &
WRK_PID=$!
for _ in $(seq 1 1200); do [[ "$(instances)" == 2 ]] && break; sleep 0.2; done
T1="$(now)"
kill "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true
T2="$(now)"
for _ in $(seq 1 3000); do [[ "$(instances)" == 1 ]] && break; sleep 0.2; done
T3="$(now)"
ACTS="$(call AnyScaleFrontendService.DescribeScalingActivities "{\"ServiceNamespace\": \"sagemaker\", \"ResourceId\": \"endpoint/scaled/variant/AllTraffic\"}")"
echo "| step | seconds |"
echo "|---|---|"
printf '| load step (8 connections) → second instance serving | %.1f |\n' "$(echo "$T1 - $T0" | bc)"
printf '| load stops → back to one instance | %.1f |\n' "$(echo "$T3 - $T2" | bc)"
echo
echo "Activities (newest first):"
python3 -c 'import json,sys; [print(" -", a["StatusCode"], a["Details"], "|", a["StartTime"], "->", a.get("EndTime")) for a in json.load(sys.stdin)["ScalingActivities"]]' <<<"$ACTS"
grep -E 'Requests/sec|Non-2xx|Socket errors' "$WORK/wrk.txt" || true
