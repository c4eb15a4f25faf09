#!/usr/bin/env bash
# Neo-style compiler benchmark (not a test). Compiles all-MiniLM-L6-v2 fp32 (langchain4j fp32 jar) for ml_c5 with int8
# and compares it, in one run, with the reference int8 model of the langchain4j -q jar:
#   1. throughput at batch 1 and 8, 16 and 128 tokens (runs of the compiled, reference and fp32 models interleaved one
#      by one, so a busy machine slows all three alike; sequences/s from the median run time);
#   2. cosine similarity of mean-pooled embeddings to the fp32 model over 240 generated sentences (templates x
#      vocabulary, seeded; nothing is downloaded).
# Prints markdown tables; every figure comes from this run.
# Usage: bench/compile.sh [INTRA_OP_THREADS=1,2] [MILLIS_PER_ROW=8000]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
THREADS="${1:-1,2}"
BUDGET="${2:-8000}"
CP="$(mktemp)"
trap 'rm -f "$CP"' EXIT

./mvnw -q -B -o install -pl core,neo-compiler -DskipTests
./mvnw -q -B -o -pl neo-compiler dependency:build-classpath -Dmdep.outputFile="$CP" -Dmdep.includeScope=test >/dev/null
echo "# Compiler benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# core/target/classes first: the compiled manifest classes of this checkout, whatever sluice-core the local repo holds.
OPT_OUT_TRACKING=true "$(java_bin)" -Xmx3g -Dai.djl.offline=true \
  -cp "core/target/classes:neo-compiler/target/test-classes:neo-compiler/target/classes:$(cat "$CP")" \
  dev.sluice.neo.bench.CompileBench "$THREADS" "$BUDGET" 2>&1 | grep -v -e '^WARNING' -e '^SLF4J'
