# Shared helpers for the bench scripts: start/stop ./sluice, write fixture models, run wrk and print a table row.
SERVER_PID=""

fixture() { # fixture KIND DIR -> prints the model path
  local cp
  cp="$(mktemp)"
  ./mvnw -q -B -o -pl model-host dependency:build-classpath -Dmdep.outputFile="$cp" -Dmdep.includeScope=test >/dev/null
  "$(java_bin)" -cp "model-host/target/test-classes:model-host/target/classes:$(cat "$cp")" \
    dev.sluice.modelhost.testing.OnnxFixtures "$1" "$2"
  rm -f "$cp"
}

java_bin() {
  local j
  for j in "${JAVA_HOME:-/nonexistent}/bin/java" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null); do
    if [[ -x "$j" ]] && "$j" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {exit !($2 >= 21)}'; then
      echo "$j"; return 0
    fi
  done
  return 1
}

start_server() { # start_server ARGS... ; waits for /ping (at most 120 s)
  ./sluice "$@" > "${WORK}/server.log" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq 1 240); do
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT}/ping" 2>/dev/null | grep -q 200; then
      return 0
    fi
    sleep 0.5
  done
  echo "bench: server did not become ready" >&2
  cat "${WORK}/server.log" >&2
  return 1
}

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

run_wrk() { # run_wrk LABEL CONNECTIONS LUA -> one markdown row
  local label="$1" conns="$2" lua="$3" threads=1 out
  [[ "$conns" -gt 1 ]] && threads=2
  wrk -t"$threads" -c"$conns" -d3s -s "$lua" "http://127.0.0.1:${PORT}/invocations" >/dev/null 2>&1 || true
  out="$(wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s "$lua" "http://127.0.0.1:${PORT}/invocations")"
  local rps p50 p99 non2xx
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$conns" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
