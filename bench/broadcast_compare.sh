#!/usr/bin/env bash
# Compares proactived binaries on one red heatwave broadcast, each run on a
# fresh copy of a synthetic population, the binaries alternated so that the
# machine's drift falls on all of them alike (docs/performance.md).
#
#   bench/broadcast_compare.sh OLD NEW              # time: 3 rounds over 2,100,000 persons
#   bench/broadcast_compare.sh --instructions OLD NEW
#       instructions the daemon spends on the broadcast over 100,000 persons,
#       counted by valgrind's callgrind: repeatable to about 1 % where a
#       timing on a shared 2-core machine varies by a fifth
#
# OLD, NEW: proactived executables (copy one aside before rebuilding). The
# load generator and population loader come from the Release build that
# bench/run.sh makes. Prints one line per run; nothing here fails on time.
#
# Environment: BENCH_DIR (default /tmp/proactive-bench), BENCH_BUILD
# (default build-release), BENCH_ROUNDS (default 3), BENCH_PERSONS (default
# 2,100,000 for time, 100,000 for instructions).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${BENCH_DIR:-/tmp/proactive-bench}"
BUILD="${BENCH_BUILD:-$ROOT/build-release}"
ROUNDS="${BENCH_ROUNDS:-3}"

MODE=time
if [[ "${1:-}" == "--instructions" ]]; then
  MODE=instructions
  shift
fi
if [[ $# -lt 1 ]]; then
  sed -n '2,18p' "$0" >&2
  exit 2
fi
for daemon in "$@"; do
  [[ -x "$daemon" ]] || { echo "not an executable: $daemon" >&2; exit 2; }
done
if [[ "$MODE" == instructions ]]; then
  PERSONS="${BENCH_PERSONS:-100000}"
  command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
    { echo "valgrind is missing: sudo apt-get install valgrind" >&2; exit 2; }
else
  PERSONS="${BENCH_PERSONS:-2100000}"
fi

log() { echo "[compare] $*" >&2; }
# shellcheck source=bench/bench_lib.sh
source "$ROOT/bench/bench_lib.sh"
log "building the load generator and population loader (Release) in $BUILD"
bench_build population_loader ingest_load
bench_population "$PERSONS"

WORK="$DIR/compare"
DAEMON_PID=""
trap '[[ -z "$DAEMON_PID" ]] || kill -TERM "$DAEMON_PID" 2>/dev/null || true' EXIT

# One broadcast with daemon $1 on a fresh copy; prints its line.
run_once() {
  local daemon=$1
  rm -rf "$WORK" && mkdir -p "$WORK" && cp -a "$POPULATION/db" "$WORK/db"
  sync  # the copy's writeback would otherwise delay the broadcast's fsyncs
  local -a launcher=()
  if [[ "$MODE" == instructions ]]; then
    # Not simulated until switched on, just before the broadcast.
    launcher=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/callgrind.out")
  fi
  bench_start_daemon "$WORK/db" "$WORK/ready" "$WORK/daemon.log" "${launcher[@]}" "$daemon"
  local target
  target=$(cat "$WORK/ready")
  # The population projection loads in the background: ingest_load waits
  # for it; the CPU is read after a pause long enough for it to finish.
  sleep "$([[ "$MODE" == instructions ]] && echo 20 || echo 8)"
  local cpu_before cpu_after
  cpu_before=$(awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat")
  [[ "$MODE" == instructions ]] && callgrind_control -i on "$DAEMON_PID" >/dev/null 2>&1
  "$BUILD/bench/ingest_load" --target="$target" --mode=broadcast --episode="compare-$(date +%s%N)" >"$WORK/broadcast.txt"
  [[ "$MODE" == instructions ]] && callgrind_control -i off "$DAEMON_PID" >/dev/null 2>&1
  cpu_after=$(awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat")
  local ms
  ms=$(sed -n 's/^broadcast_end_to_end_ms=//p' "$WORK/broadcast.txt")
  kill -TERM "$DAEMON_PID"
  wait "$DAEMON_PID" || true
  DAEMON_PID=""
  if [[ "$MODE" == instructions ]]; then
    local instructions
    instructions=$(sed -n 's/^totals: //p' "$WORK/callgrind.out")
    printf '%s\tinstructions=%s\n' "$daemon" "$instructions"
  else
    local ticks
    ticks=$(getconf CLK_TCK)
    printf '%s\tbroadcast_end_to_end_ms=%s\tdaemon_cpu_s=%s\n' "$daemon" "$ms" \
      "$(awk -v t=$((cpu_after - cpu_before)) -v hz="$ticks" 'BEGIN { printf "%.2f", t / hz }')"
  fi
}

log "$MODE of one red heatwave over $PERSONS persons, $ROUNDS rounds of: $*"
for ((round = 1; round <= ROUNDS; round++)); do
  for daemon in "$@"; do run_once "$daemon"; done
done
