#!/usr/bin/env bash
# Runs every test of the project: unit tests, end-to-end tests (embedded KRaft broker, Kafka's
# Connect runtime, Californium servers on loopback) and the interop tests against libcoap.
# Installs what the tests need from Debian's packages first (libcoap3-bin), when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-test-deps.sh
exec mvn -B -ntp verify "$@"
