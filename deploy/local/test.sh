#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine: installs what is
# missing, builds, then runs every test with ctest. .ci/run calls this.
#   deploy/local/test.sh [ctest arguments, e.g. -R Scenario]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
# The SMS connector's tests run the real Kannel 1.4.5 on loopback:
# bearerbox and smsbox (kannel), the fake SMS centre fakesmsc (kannel-extras).
export EXTRA_PACKAGES="${EXTRA_PACKAGES:-} kannel kannel-extras"
"$ROOT/deploy/local/setup.sh"
echo "==> Running the test suite"
cd "$BUILD_DIR"
ctest -j "$(nproc)" --output-on-failure --timeout 900 "$@"
