#!/usr/bin/env bash
# Installs the system packages the tests use, only when they are missing: libcoap's CoAP/DTLS
# server and client (OpenSSL and no-TLS builds), an implementation nobody here wrote, for the
# interop tests and the quickstart docs; curl and jq, with which the install docs' REST calls are run
# (compat/tests InstallDocsIT). Idempotent.
set -euo pipefail
if command -v coap-server-openssl >/dev/null 2>&1 && command -v coap-client-openssl >/dev/null 2>&1 \
    && command -v coap-client-notls >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 \
    && command -v jq >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "Installing libcoap3-bin (coap-server-openssl, coap-client-openssl, coap-client-notls), curl and jq for the tests..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libcoap3-bin curl jq >/dev/null
command -v coap-server-openssl >/dev/null
command -v jq >/dev/null
