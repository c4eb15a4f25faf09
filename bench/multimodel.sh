#!/usr/bin/env bash
# Multi-model host benchmark (MultiModelHost in-process, no HTTP): hit overhead, a Zipf workload over 1,000 generated
# models with a budget that holds 100, and 1,000 load/unload cycles of one model as a native-leak check.
# Arguments pass through: [models=1000] [resident=100] [requests=20000] [seconds=60] [zipfS=1.0] [cycles=1000].
# Builds what it needs offline (./mvnw -o), runs from a copy of the classes (a rebuild meanwhile cannot pull them away)
# and keeps everything it writes in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

JAVA="$(java_bin)"
export JAVA_HOME="$(dirname "$(dirname "$JAVA")")"
./mvnw -q -B -o install -pl core,inference-pipeline -DskipTests
./mvnw -q -B -o test-compile -pl model-host
./mvnw -q -B -o -pl model-host dependency:build-classpath -Dmdep.outputFile="$WORK/cp" -Dmdep.includeScope=test >/dev/null
cp -r model-host/target/classes "$WORK/classes"
cp -r model-host/target/test-classes "$WORK/test-classes"

# A fixed, pre-touched heap: resident memory then moves with native (model) memory, not with the heap's growth.
"$JAVA" -Xms512m -Xmx512m -XX:+AlwaysPreTouch --enable-native-access=ALL-UNNAMED \
  -cp "$WORK/test-classes:$WORK/classes:$(cat "$WORK/cp")" \
  dev.sluice.modelhost.bench.MultiModelBench "$WORK/bench" "$@" 2>&1 | grep -v -e '^WARNING: ' -e '^SLF4J'
