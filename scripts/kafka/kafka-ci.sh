#!/usr/bin/env bash
# kafka-ci.sh libs|start|stop|status|halt|resume|env
#   A real single-node Apache Kafka 3.9 (KRaft, no ZooKeeper) on 127.0.0.1 for integration tests,
#   run from Maven Central jars (no Docker). See docs/propagation.md ("Running the broker for tests").
#
#   libs    fetch the broker's jars into scripts/kafka/target/kafka-libs (once; needs Maven Central)
#   start   (re)start a broker on a FRESH data dir and wait until it serves clients; idempotent:
#           a broker this script started earlier on the same work dir is stopped first
#   stop    stop it (SIGTERM = controlled shutdown, SIGKILL after 30 s) and keep nothing running
#   status  exit 0 when the broker is running (prints its address)
#   halt    stop it but keep its data dir (for fault-injection tests) ...
#   resume  ... and start it again on that same data dir (topics and offsets survive)
#   env     print `export KAFKA_BROKERS=127.0.0.1:<port>`
#
# Environment: KAFKA_PORT (default 19092), KAFKA_CONTROLLER_PORT (default 19093),
#   KAFKA_WORK (default ${TMPDIR:-/tmp}/kafka-ci-<uid>-<port>), KAFKA_READY_TIMEOUT_S (default 90),
#   KAFKA_HEAP (default 512m), JAVA_HOME,
#   KAFKA_CI_OWNER (a process id, e.g. scripts/test.sh's): the broker is recorded as that process's;
#   while that process lives, `start` from another owner refuses the port instead of replacing the
#   broker, and `stop`/`halt` from another owner leave it running (a killed run's EXIT trap
#   cannot stop the broker of a run started after it on the same port).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIBS="$HERE/target/kafka-libs"
PORT="${KAFKA_PORT:-19092}"
CPORT="${KAFKA_CONTROLLER_PORT:-19093}"
WORK="${KAFKA_WORK:-${TMPDIR:-/tmp}/kafka-ci-$(id -u)-$PORT}"
CLUSTER_ID="${KAFKA_CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}"   # any base64 UUID (the apache/kafka image default)
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
HEAP="${KAFKA_HEAP:-512m}"
READY_TIMEOUT_S="${KAFKA_READY_TIMEOUT_S:-90}"
LOG4J_OPTS="-Dlog4j.configuration=file:$HERE/log4j.properties -Dkafka.logs.dir=$WORK/logs"

say() { echo "kafka-ci: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

libs() {   # ~46 MB into ~/.m2 and target/kafka-libs
  [ -f "$LIBS/.ok" ] && return 0
  command -v mvn >/dev/null || die "maven (mvn) not found: it is needed once to fetch the Kafka jars"
  command -v "$JAVA" >/dev/null || die "java not found (set JAVA_HOME); Kafka 3.9 needs Java 11+"
  say "fetching Kafka jars from Maven Central into $LIBS"
  mvn -B -q -f "$HERE/pom.xml" package || die "maven could not fetch the Kafka jars (is Maven Central reachable?)"
  ls "$LIBS"/kafka_2.13-*.jar "$LIBS"/slf4j-reload4j-*.jar >/dev/null || die "jars missing in $LIBS after maven"
  touch "$LIBS/.ok"
}

running_pid() {   # prints the pid of the broker this script started on $WORK, if it is alive
  [ -f "$WORK/kafka.pid" ] || return 1
  local pid; pid="$(cat "$WORK/kafka.pid")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

launch() {   # start kafka.Kafka on the existing $WORK/server.properties and wait
  for p in "$PORT" "$CPORT"; do
    port_in_use "$p" && die "port $p on 127.0.0.1 is already in use by another process; set KAFKA_PORT/KAFKA_CONTROLLER_PORT"
  done
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  # = bin/kafka-server-start.sh FILE (heap lowered from its 1G default; perf opts from kafka-run-class.sh)
  nohup "$JAVA" -Xms"$HEAP" -Xmx"$HEAP" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 \
      -Djava.awt.headless=true $LOG4J_OPTS -cp "$LIBS/*" kafka.Kafka "$WORK/server.properties" \
      >> "$WORK/logs/kafka.out" 2>&1 < /dev/null &
  echo $! > "$WORK/kafka.pid"
  wait_ready
}

start() {
  libs
  stop_broker || { [ $? = 2 ] && die "port $PORT is another run's broker: set KAFKA_PORT and KAFKA_CONTROLLER_PORT to free ports"; }
  rm -rf "$WORK"; mkdir -p "$WORK/data" "$WORK/logs"
  sed -e "s#@DATA@#$WORK/data#" -e "s#@PORT@#$PORT#g" -e "s#@CPORT@#$CPORT#g" \
      "$HERE/server.properties.in" > "$WORK/server.properties"
  # = bin/kafka-storage.sh format -t ID -c FILE (static controller.quorum.voters => no --standalone)
  "$JAVA" -Xmx256m $LOG4J_OPTS -cp "$LIBS/*" kafka.tools.StorageTool \
      format -t "$CLUSTER_ID" -c "$WORK/server.properties" --ignore-formatted > "$WORK/logs/format.out" 2>&1 \
    || { cat "$WORK/logs/format.out" >&2; die "formatting the KRaft storage failed"; }
  launch
  echo "${KAFKA_CI_OWNER:-}" > "$WORK/owner"
}

resume() {
  [ -f "$WORK/server.properties" ] || die "nothing to resume in $WORK (run start first)"
  if running_pid >/dev/null; then say "already running"; return 0; fi
  echo "---- resume $(date -u +%FT%TZ)" >> "$WORK/logs/kafka.out"
  launch
}

wait_ready() {
  local pid t0 deadline; pid="$(cat "$WORK/kafka.pid")"; t0=$SECONDS; deadline=$((SECONDS + READY_TIMEOUT_S))
  local mark; mark="$(grep -c 'Kafka Server started' "$WORK/logs/kafka.out" || true)"
  while (( SECONDS < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "kafka exited during startup; last lines of $WORK/logs/kafka.out:"; tail -n 60 "$WORK/logs/kafka.out" >&2
      rm -f "$WORK/kafka.pid"; return 1
    fi
    # the PLAINTEXT port is bound once the broker is unfenced, and KafkaRaftServer logs
    # "Kafka Server started" at the end of startup (counted, so a resume waits for a new line)
    if port_in_use "$PORT" && (( $(grep -c 'Kafka Server started' "$WORK/logs/kafka.out" || true) > mark )); then
      # then a real client round trip (metadata request) through kafkajs
      if KAFKA_READY_TIMEOUT_MS=5000 node "$HERE/wait-kafka.js" "127.0.0.1:$PORT" >/dev/null 2>&1; then
        say "ready on 127.0.0.1:$PORT after $((SECONDS - t0))s (pid $pid, data $WORK)"
        echo "export KAFKA_BROKERS=127.0.0.1:$PORT"
        return 0
      fi
    fi
    sleep 0.3
  done
  say "kafka not ready after ${READY_TIMEOUT_S}s; last lines of $WORK/logs/kafka.out:"; tail -n 60 "$WORK/logs/kafka.out" >&2
  stop_broker; return 1
}

owner_alive_elsewhere() {   # prints the owner pid when the broker belongs to another live process
  local owner; owner="$(cat "$WORK/owner" 2>/dev/null)" || return 1
  [ -n "$owner" ] && [ "$owner" != "${KAFKA_CI_OWNER:-}" ] && kill -0 "$owner" 2>/dev/null || return 1
  echo "$owner"
}

stop_broker() {
  local pid i owner
  if running_pid >/dev/null && owner="$(owner_alive_elsewhere)"; then
    say "the broker on 127.0.0.1:$PORT belongs to process $owner, which still runs: left running"
    return 2
  fi
  pid="$(running_pid)" || { rm -f "$WORK/kafka.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true           # shutdown hook = controlled shutdown
  for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$WORK/kafka.pid"
}

stop() { stop_broker || return 0; rm -rf "$WORK/data"; say "stopped (127.0.0.1:$PORT)"; }
halt() { stop_broker || return 0; say "halted (data kept in $WORK)"; }

status() {
  local pid; pid="$(running_pid)" || { say "not running (127.0.0.1:$PORT)"; return 1; }
  say "running on 127.0.0.1:$PORT (pid $pid, data $WORK)"
}

case "${1:-}" in
  libs) libs ;; start) start ;; stop) stop ;; status) status ;; halt) halt ;; resume) resume ;;
  env) echo "export KAFKA_BROKERS=127.0.0.1:$PORT" ;;
  *) echo "usage: $0 libs|start|stop|status|halt|resume|env   (env: KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_WORK)" >&2; exit 2 ;;
esac
