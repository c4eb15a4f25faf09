#!/usr/bin/env bash
# Writes the models the load tests serve, with the project's own tiny-model generator (model-host's test fixture
# OnnxFixtures, as bench/lib.sh `fixture mlp` uses it); nothing is downloaded.
#   DIR/mlp.onnx                      the tiny MLP: input FP32 [batch, 4] -> output FP32 [batch, 3]
#   DIR/mme/model-1.tar.gz ... -N     the same model N times as SageMaker-style archives (model.onnx inside), the
#                                     prefix of MultiModelZipf's multi-model endpoint
# Usage: loadtests/prepare-models.sh [N] [DIR]     (N = 100, DIR = loadtests/target/models)
# Builds model-host's test classes offline (./mvnw -o test-compile; never install) and writes only under DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
DIR="${2:-loadtests/target/models}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "prepare-models: N must be a positive integer, got '$N'" >&2; exit 2; }
source bench/lib.sh
JAVA="$(java_bin)" || { echo "prepare-models: no JDK >= 21 found" >&2; exit 1; }
export JAVA_HOME="$(dirname "$(dirname "$JAVA")")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# One reactor build: upstream modules resolve to this tree's target/classes, not to whatever ~/.m2 holds.
./mvnw -q -B -o test-compile dependency:build-classpath -pl model-host -am \
  -Dmdep.outputFile="$WORK/cp" -Dmdep.includeScope=test >/dev/null
# protobuf's sun.misc.Unsafe warnings on newer JDKs are noise here; other errors are shown.
MODEL="$("$JAVA" -cp "model-host/target/test-classes:model-host/target/classes:$(cat "$WORK/cp")" \
  dev.sluice.modelhost.testing.OnnxFixtures mlp "$WORK/generated" 2>"$WORK/err" | tail -n 1)" \
  || { cat "$WORK/err" >&2; exit 1; }

mkdir -p "$DIR/mme" "$WORK/archive"
cp "$MODEL" "$DIR/mlp.onnx"
cp "$MODEL" "$WORK/archive/model.onnx"
tar -C "$WORK/archive" -czf "$WORK/model.tar.gz" model.onnx
rm -f "$DIR"/mme/model-*.tar.gz
for k in $(seq 1 "$N"); do
  cp "$WORK/model.tar.gz" "$DIR/mme/model-$k.tar.gz"
done
echo "tiny model:   $(cd "$DIR" && pwd)/mlp.onnx"
echo "multi-model:  $(cd "$DIR/mme" && pwd)/ (model-1.tar.gz .. model-$N.tar.gz)"
