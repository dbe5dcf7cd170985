# What bench/run.sh and bench/broadcast_compare.sh share; sourced, after
# they set ROOT, BUILD, DIR and define log().

# The synthetic population's "today".
CLOCK_START="2026-09-01T12:00:00Z"

# Configures the Release build in $BUILD and builds the given targets.
bench_build() {
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  nice cmake --build "$BUILD" -j"${BENCH_JOBS:-2}" --target "$@" >/dev/null
}

# The layout of a generated population: a population kept from an older
# layout is generated again, or the benchmarks would measure the old one.
# Bumped when the store's on-disk options (engine/store/store.cc) or the
# synthetic population (engine/synth) change. 2: persons in 1 KB blocks,
# every family compressed with LZ4 (2026-12-06). 3: households' files with
# prefix filters (2026-12-06).
POPULATION_FORMAT=3

# Sets POPULATION to $DIR/paris-$1, filling it with $1 synthetic persons the
# first time (kept for later runs). REQUIRES: population_loader built.
bench_population() {
  mkdir -p "$DIR"
  POPULATION="$DIR/paris-$1"
  local made=""
  [[ -f "$POPULATION/.complete" ]] && made=$(cat "$POPULATION/.complete")
  if [[ "$made" != "format $POPULATION_FORMAT" ]]; then
    if [[ -f "$POPULATION/.complete" ]]; then
      log "the population in $POPULATION has an older layout (${made:-format 1}): generating it again"
    fi
    log "generating $1 synthetic persons into $POPULATION (once; kept for later runs)"
    rm -rf "$POPULATION"
    mkdir -p "$POPULATION"
    "$BUILD/bench/population_loader" --data_dir="$POPULATION/db" --rules_dir="$ROOT/rules" --persons="$1" >&2
    echo "format $POPULATION_FORMAT" >"$POPULATION/.complete"
  fi
}

# Starts the daemon: bench_start_daemon DATA_DIR READY_FILE LOG COMMAND...,
# COMMAND being proactived, possibly behind a launcher (valgrind). Sets
# DAEMON_PID and returns once it serves (its ready file is written when the
# gRPC server listens); exits if it stops first.
bench_start_daemon() {
  local data=$1 ready=$2 daemon_log=$3
  shift 3
  rm -f "$ready"
  "$@" --insecure --data_dir="$data" --rules_dir="$ROOT/rules" --listen=127.0.0.1:0 --ready_file="$ready" \
    --clock_start="$CLOCK_START" --daily_schedule=false --log_level=warning >>"$daemon_log" 2>&1 &
  DAEMON_PID=$!
  while [[ ! -f "$ready" ]]; do
    kill -0 "$DAEMON_PID" 2>/dev/null || { log "proactived exited; see $daemon_log"; exit 1; }
    sleep 0.01
  done
}
