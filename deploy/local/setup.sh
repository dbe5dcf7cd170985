#!/usr/bin/env bash
# Installs the Debian 12 packages proactive needs (only those missing) and
# builds it in build/. Sourced or run by demo.sh and test.sh.
#   deploy/local/setup.sh            # install + build
#   BUILD_TYPE=Release deploy/local/setup.sh
#   BUILD_TARGETS="proactived proactivectl" deploy/local/setup.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"

# Build and runtime dependencies, all from Debian 12 (bookworm).
PACKAGES=(
  build-essential cmake pkg-config openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev libyaml-cpp-dev libre2-dev libssl-dev
  nlohmann-json3-dev libjemalloc-dev
  libcpp-httplib-dev tzdata
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Extra packages a command needs, e.g. test.sh adds the SMS gateway.
PACKAGES+=(${EXTRA_PACKAGES:-})

install_missing_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "==> Debian packages: all ${#PACKAGES[@]} present"
    return
  fi
  echo "==> Installing ${#missing[@]} missing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
  echo "==> Building ($BUILD_TYPE) in ${BUILD_DIR#$ROOT/}"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
  # BUILD_TARGETS: only these (the demo's programs); unset: everything, tests included.
  local targets=()
  for t in ${BUILD_TARGETS:-}; do targets+=(--target "$t"); done
  cmake --build "$BUILD_DIR" -j "$(nproc)" "${targets[@]}" -- --no-print-directory
}

install_missing_packages
build
