#!/usr/bin/env bash
# Rewrites the configuration reference in README.md from the connector's ConfigDef.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl connector -am test -Dtest=ReadmeConfigReferenceTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dreadme.update=true
echo "README.md configuration reference updated."
