#!/usr/bin/env bash
# The benchmark (issues 5 and 12). Builds what is missing or stale, then runs every scenario at every round-trip
# time, prints the table (records/s, worker CPU per record, retransmissions, commit lag, latency, peak heap, ratios
# to the baseline of the same run, request bytes per record) and the targets, and writes the chart.
#   bench/run.sh [--records 300000] [--scenarios baseline,default,tuned,fanout,raw] [--rtt-ms 0,20]
#                (payload formats: cbor, senml-json, senml-cbor, default:FORMAT, tuned:FORMAT)
#                [--server californium|libcoap|both] [--chart bench/target/bench.png]
#                [--tuned bench/tuned.properties] [--max-seconds 180] [...]   (--help lists all)
#   bench/run.sh --jmh [JMH options]   the encoder micro-benchmark (default 2 forks x 3 x 2 s)
#   bench/run.sh --encoder-cpu         the payload formats' encoders by thread CPU time (robust on a shared box)
# BENCH_REBUILD=1 forces the Maven build; BENCH_JAVA_OPTS adds options to the bench JVM, BENCH_WORKER_JAVA_OPTS to
# each Connect worker JVM ({label} becomes the run label), e.g. to record a flight recording:
#   BENCH_WORKER_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/{label}.jfr,settings=profile" bench/run.sh ...
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
