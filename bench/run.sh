#!/usr/bin/env bash
# The issue-5 benchmark. Builds what is missing or stale, then runs every scenario and prints the table.
#   bench/run.sh [--records 300000] [--partitions 1] [--scenarios baseline,default,tuned,raw]
#                [--tuned bench/tuned.properties] [--max-seconds 180] [...]   (--help lists all)
#   bench/run.sh --jmh [JMH options]   the encoder micro-benchmark (default 2 forks x 3 x 2 s)
#   bench/run.sh --encoder-cpu         the payload formats' encoders by thread CPU time (robust on a shared box)
# BENCH_REBUILD=1 forces the Maven build; BENCH_JAVA_OPTS adds options to the bench JVM.
set -euo pipefail
cd "$(dirname "$0")/.."

classpath_file=bench/target/classpath.txt
stale() {
  [[ ! -f "$classpath_file" ]] && return 0
  [[ -n "$(find pom.xml bench/pom.xml bench/src connector/pom.xml connector/src kafka-embedded/src \
            coap-test-server/src -newer "$classpath_file" -type f -print -quit)" ]]
}
if [[ -n "${BENCH_REBUILD:-}" ]] || stale; then
  echo "building (mvn -q -B -DskipTests install)..." >&2
  mvn -q -B -DskipTests install
  touch "$classpath_file"
fi
cp="bench/target/classes:$(cat "$classpath_file")"

if [[ "${1:-}" == "--encoder-cpu" ]]; then
  exec java -cp "$cp" io.github.coapsink.bench.EncoderCpuTime
fi
if [[ "${1:-}" == "--jmh" ]]; then
  shift
  exec java -cp "$cp" org.openjdk.jmh.Main 'io.github.coapsink.bench.EncoderBenchmark' "$@"
fi
# The bench JVM hosts the broker, the CoAP server and the raw client; each Connect worker is a child JVM (-Xmx256m).
exec java ${BENCH_JAVA_OPTS:-} -cp "$cp" io.github.coapsink.bench.BenchMain "$@"
