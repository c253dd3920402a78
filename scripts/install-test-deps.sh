#!/bin/sh
# Installs what the tests need beyond Maven: libcoap's coap-server/-client (OpenSSL build) for
# LibcoapInteropTest. Idempotent: does nothing when the tools are already on PATH.
set -eu
if ! command -v coap-server-openssl >/dev/null 2>&1 || ! command -v coap-client-openssl >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -q
    $SUDO apt-get install -y --no-install-recommends libcoap3-bin
fi
command -v coap-server-openssl
