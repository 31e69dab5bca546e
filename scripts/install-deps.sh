#!/usr/bin/env bash
# Installs what log-capturer needs to build and test, from Debian's packages.
# Idempotent and fast when everything is present: dpkg is asked first, apt only when something is missing.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake pkg-config
  libyaml-cpp-dev libboost-dev prometheus-cpp-dev rapidjson-dev libsimdjson-dev
  zlib1g-dev libzstd-dev libsnappy-dev liblz4-dev libssl-dev libxxhash-dev libpcre2-dev
  libcurl4-openssl-dev librdkafka-dev libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev libcli11-dev libabsl-dev tzdata
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Real peers the tests talk to: promtool checks /metrics; python3 drives end-to-end tests; openssl
# makes the TLS tests' certificates and socat terminates TLS (OpenSSL) in front of the test receiver.
TEST_PACKAGES=(prometheus python3 procps openssl socat kcat)

wanted=("${BUILD_PACKAGES[@]}")
if [ "${1:-}" != "--build-only" ]; then wanted+=("${TEST_PACKAGES[@]}"); fi

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
