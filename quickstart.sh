#!/usr/bin/env bash
# One-command quickstart of the Kafka Connect CoAP sink (see docs/quickstart.md):
#   ./quickstart.sh                     embedded KRaft broker + Connect worker (the built plugin archive on its
#                                       plugin.path) + CoAP test server + sample records; Ctrl-C stops it all
#   ./quickstart.sh produce '<json>'    send a record to the running quickstart
#   ./quickstart.sh standalone worker.properties connector.properties   Kafka's standalone mode with this plugin
#   ./quickstart.sh server [--port 5683 --dtls-port 5684 ...]           only the CoAP test server
#   ./quickstart.sh --help
# Needs JDK 17+ and Maven 3.8+. Builds (mvn -DskipTests package) when the build output is missing or older
# than the sources; QUICKSTART_SKIP_BUILD=1 uses what is there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$root/quickstart/target"
stamp="$target/.quickstart-build-stamp"

needs_build() {
  [[ -f "$target/quickstart.jar" && -d "$target/lib" && -f "$stamp" ]] || return 0
  compgen -G "$target/plugin/kafka-connect-coap-*-plugin.zip" >/dev/null || return 0
  [[ -n "$(find "$root" \( -name target -o -name .git \) -prune -o \
            \( -path '*/src/*' -o -name pom.xml \) -type f -newer "$stamp" -print -quit)" ]]
}

if [[ "${QUICKSTART_SKIP_BUILD:-}" != "1" ]] && needs_build; then
  command -v mvn >/dev/null || { echo "quickstart: Maven (mvn) is needed to build; install Maven 3.8+ or JDK/Maven images" >&2; exit 1; }
  echo "quickstart: building the connector plugin and the launcher (mvn -DskipTests package; a few minutes the first time) ..."
  log="$(mktemp "${TMPDIR:-/tmp}/coap-quickstart-build.XXXXXX")"
  if ! (cd "$root" && mvn -B -q -DskipTests -pl quickstart -am package) >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "quickstart: the build failed (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  touch "$stamp"
fi

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jvm_opts=(-Dquickstart.home="$root")
[[ -n "${TMPDIR:-}" ]] && jvm_opts+=(-Djava.io.tmpdir="$TMPDIR")
exec "$java" "${jvm_opts[@]}" ${QUICKSTART_JAVA_OPTS:-} \
  -cp "$target/quickstart.jar:$target/lib/*" io.github.coapsink.quickstart.Quickstart "$@"
