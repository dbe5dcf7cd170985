#!/usr/bin/env bash
# Builds in Release, fills a data directory with the synthetic Paris
# population (kept between runs), runs every benchmark and prints one table
# (docs/performance.md). Benchmarks print figures; nothing here fails on time.
#
#   bench/run.sh                          # 2,100,000 persons
#   BENCH_PERSONS=100000 bench/run.sh     # a quick run
#
# Environment: BENCH_PERSONS, BENCH_DIR (where data directories go, default
# /tmp/proactive-bench), BENCH_STREAM_EVENTS, BENCH_UNARY_EVENTS, BENCH_BUILD
# (build directory, default build-release), BENCH_JOBS (default 2).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PERSONS="${BENCH_PERSONS:-2100000}"
DIR="${BENCH_DIR:-/tmp/proactive-bench}"
BUILD="${BENCH_BUILD:-$ROOT/build-release}"
STREAM_EVENTS="${BENCH_STREAM_EVENTS:-300000}"
UNARY_EVENTS="${BENCH_UNARY_EVENTS:-60000}"
RULES="$ROOT/rules"

log() { echo "[bench] $*" >&2; }
now_ms() { date +%s%3N; }
# key=value lines of a benchmark's output: value of $2 in file $1.
get() { sed -n "s/^$2=//p" "$1" | tail -1; }

# shellcheck source=bench/bench_lib.sh
source "$ROOT/bench/bench_lib.sh"
log "building (Release) in $BUILD"
bench_build proactived lang_bench population_loader sweep_bench ingest_load transport_ceiling
bench_population "$PERSONS"
OUT="$DIR/out"
rm -rf "$OUT" && mkdir -p "$OUT"

log "1. per-record evaluation (lang_bench)"
"$BUILD/bench/lang_bench" --benchmark_filter='BM_ThreeRules$' --benchmark_repetitions=5 \
  --benchmark_format=json >"$OUT/lang.json" 2>/dev/null
EVAL_RPS=$(/usr/bin/python3 -c '
import json, sys
runs = [b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("run_type") == "iteration"]
print(int(max(b["records/s"] for b in runs)))' "$OUT/lang.json")

log "2. population sweep in memory (sweep_bench)"
"$BUILD/bench/sweep_bench" --data_dir="$POPULATION/db" --rules_dir="$RULES" --threads=2 --repetitions=2 >"$OUT/sweep.txt"

# The daemon works on a copy: the population stays as loaded.
WORK="$DIR/work"
rm -rf "$WORK" && cp -a "$POPULATION/db" "$WORK"
# The copy's 1.4 GB are written back first: otherwise the broadcast's fsyncs
# wait behind that writeback, which a running daemon does not have.
sync
DAEMON_PID=""
START_MS=""
# Starts proactived on $WORK; sets DAEMON_PID, and START_MS to the time from
# exec to serving (the ready file is written once the server listens).
start_daemon() {
  local started
  started=$(now_ms)
  bench_start_daemon "$WORK" "$OUT/ready" "$OUT/daemon.log" "$BUILD/engine/server/proactived"
  START_MS=$(($(now_ms) - started))
}
stop_daemon() {
  kill -TERM "$DAEMON_PID"
  wait "$DAEMON_PID" || true
}
CEILING_PID=""
trap 'for pid in "$DAEMON_PID" "$CEILING_PID"; do [[ -z "$pid" ]] || kill -TERM "$pid" 2>/dev/null || true; done' EXIT
rss_mib() { awk -v k="$1:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$DAEMON_PID/status"; }

log "3. heatwave broadcast end to end"
start_daemon
FIRST_START_MS=$START_MS
TARGET=$(cat "$OUT/ready")
RSS_IDLE=$(rss_mib VmRSS)
"$BUILD/bench/ingest_load" --target="$TARGET" --mode=broadcast --episode="bench-$(date +%s)" >"$OUT/broadcast.txt"
RSS_AFTER_BROADCAST=$(rss_mib VmRSS)
# The broadcast wrote some 300 MB: written back first (a few hundred ms),
# or the reads and fsyncs below wait behind that writeback.
sync

log "7. (the table's line 7) a decision's audit history, after the broadcast"
"$BUILD/bench/ingest_load" --target="$TARGET" --mode=audit --lookups=200 >"$OUT/audit.txt"

log "4. durable ingestion: stream, batches, then unary with 32 and 64 in flight"
SEED=$(($(date +%s) % 100000 + 100))
# CPU seconds so far of the daemon's threads, by what they do, as
# name=seconds lines: the writer, the committer, gRPC's own threads, and the
# others (RocksDB's flushes and compactions, sweeps, long reads, main).
daemon_cpu() {
  local t name
  for t in /proc/"$DAEMON_PID"/task/*; do
    name=$(cat "$t/comm" 2>/dev/null) || continue
    case "$name" in
      writer | committer) ;;
      nexting_thread | default-executo | event_engine | grpc* | timer_manager | resolver-execut) name=grpc ;;
      *) name=other ;;
    esac
    # utime and stime (fields 14 and 15, clock ticks); the name has no spaces now.
    awk -v n="$name" '{ sub(/^.*\) /, ""); print n, $12 + $13 }' "$t/stat" 2>/dev/null || true
  done | awk -v hz="$(getconf CLK_TCK)" '{ s[$1] += $2 } END { for (n in s) printf "%s=%.3f\n", n, s[n] / hz }'
}
# CPU seconds so far of the programs this shell ran and waited for, into
# $1 (bash's times, in this shell: a $(...) subshell would count its own).
children_cpu() {
  times >"$1"
  awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1" >"$1.s"
}
# Runs one load (the arguments: ingest_load's) into $OUT/$LOAD_NAME.txt and,
# against the daemon, writes the CPU each event cost each part, in µs, into
# $OUT/$LOAD_NAME.cpu: "writer committer grpc other client".
run_load() {
  local events=$1 before after
  shift
  [[ -n "$DAEMON_PID" ]] && before=$(daemon_cpu)
  children_cpu "$OUT/client_before"
  "$BUILD/bench/ingest_load" "$@" >"$OUT/$LOAD_NAME.txt"
  [[ -n "$DAEMON_PID" ]] || return 0
  children_cpu "$OUT/client_after"
  after=$(daemon_cpu)
  awk -v events="$events" -v client_before="$(cat "$OUT/client_before.s")" -v client_after="$(cat "$OUT/client_after.s")" '
    FNR == NR { split($0, kv, "="); was[kv[1]] = kv[2]; next }
    { split($0, kv, "="); used[kv[1]] = kv[2] - was[kv[1]] }
    END { printf "%.1f / %.1f / %.1f / %.1f / %.1f\n", used["writer"] * 1e6 / events, used["committer"] * 1e6 / events,
                 used["grpc"] * 1e6 / events, used["other"] * 1e6 / events, (client_after - client_before) * 1e6 / events }' \
    <(echo "$before") <(echo "$after") >"$OUT/$LOAD_NAME.cpu"
}
# The loads against server $1, into $OUT/$2stream.txt, $2batch.txt, $2unary.txt and $2unary64.txt.
ingestion_loads() {
  LOAD_NAME="$2stream" run_load "$STREAM_EVENTS" --target="$1" --mode=stream --streams=4 --events="$STREAM_EVENTS" \
    --seed="$SEED"
  LOAD_NAME="$2batch" run_load "$STREAM_EVENTS" --target="$1" --mode=batch --batch_events=1000 --batches_in_flight=4 \
    --events="$STREAM_EVENTS" --seed="$((SEED + 2))"
  LOAD_NAME="$2unary" run_load "$UNARY_EVENTS" --target="$1" --mode=unary --in_flight=32 --events="$UNARY_EVENTS" \
    --seed="$((SEED + 1))"
  LOAD_NAME="$2unary64" run_load "$UNARY_EVENTS" --target="$1" --mode=unary --in_flight=64 --events="$UNARY_EVENTS" \
    --seed="$((SEED + 3))"
}
ingestion_loads "$TARGET" ""
RSS_HWM=$(rss_mib VmHWM)
RSS_END=$(rss_mib VmRSS)

log "5. restart to serving"
stop_daemon
start_daemon
RESTART_MS=$START_MS
RSS_RESTARTED=$(rss_mib VmRSS)
stop_daemon
DAEMON_PID=""

log "6. the transport's ceiling: the same loads against a server that answers at once (the daemon stopped)"
# No engine behind it: the most any engine could ingest here through gRPC,
# with the load generator on the same cores.
rm -f "$OUT/ceiling.ready"
"$BUILD/bench/transport_ceiling" --listen=127.0.0.1:0 --ready_file="$OUT/ceiling.ready" &
CEILING_PID=$!
while [[ ! -f "$OUT/ceiling.ready" ]]; do
  kill -0 "$CEILING_PID" 2>/dev/null || { log "transport_ceiling exited"; exit 1; }
  sleep 0.01
done
ingestion_loads "$(cat "$OUT/ceiling.ready")" ceiling_
kill -TERM "$CEILING_PID"
wait "$CEILING_PID" || true
CEILING_PID=""

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
S="$OUT/sweep.txt"
cat <<EOF

proactive benchmarks: $PERSONS persons, $(nproc) cores ($CPU), $(date -u +%Y-%m-%d)

| measure | figure |
|---|---|
| 1. per-record evaluation, three reference rules, 1 thread | $EVAL_RPS records/s |
| 2. in-memory filter of the population (heatwave rules), 1 thread | $(get "$S" filter_threads_1_records_per_s) records/s, $(get "$S" filter_threads_1_ms) ms per sweep ($(get "$S" filter_left) persons left) |
| 2. in-memory filter of the population (heatwave rules), 2 threads | $(get "$S" filter_threads_2_records_per_s) records/s, $(get "$S" filter_threads_2_ms) ms per sweep |
| 2. sweep: the filter, then the persons left evaluated from the store, 1 thread | $(get "$S" sweep_threads_1_records_per_s) records/s, $(get "$S" sweep_threads_1_ms) ms per sweep |
| 3. heatwave broadcast, ack → all decisions and messages durable | $(get "$OUT/broadcast.txt" broadcast_end_to_end_ms) ms ($(get "$S" sweep_threads_1_fired) decisions; ack $(get "$OUT/broadcast.txt" broadcast_ack_ms) ms) |
| 3. population projection loaded, after serving | $(( $(get "$OUT/broadcast.txt" projection_wait_ms) + FIRST_START_MS )) ms after the start ($(get "$S" projection_mib) MiB; $(get "$S" projection_load_ms) ms alone in sweep_bench) |
| 4. durable ingestion, PublishStream (4 streams) | $(get "$OUT/stream.txt" stream_events_per_s) events/s ($(get "$OUT/stream.txt" stream_events_per_group) events per group commit) |
| 4. durable ingestion, PublishBatch (1,000 events per call, 4 in flight) | $(get "$OUT/batch.txt" batch_events_per_s) events/s, call p50 $(get "$OUT/batch.txt" batch_p50_ms) ms, p99 $(get "$OUT/batch.txt" batch_p99_ms) ms |
| 4. durable ingestion, unary, 32 in flight | $(get "$OUT/unary.txt" unary_events_per_s) events/s, p50 $(get "$OUT/unary.txt" unary_p50_ms) ms, p99 $(get "$OUT/unary.txt" unary_p99_ms) ms ($(get "$OUT/unary.txt" unary_events_per_group) events per group commit) |
| 4. the same unary calls, 64 in flight (not a target: how far latency, not the engine's throughput, bounds 32) | $(get "$OUT/unary64.txt" unary_events_per_s) events/s, p50 $(get "$OUT/unary64.txt" unary_p50_ms) ms, p99 $(get "$OUT/unary64.txt" unary_p99_ms) ms ($(get "$OUT/unary64.txt" unary_events_per_group) events per group commit) |
| 4. CPU per event, µs: writer / committer / gRPC's threads / the daemon's other threads / load generator | stream $(cat "$OUT/stream.cpu"); batches $(cat "$OUT/batch.cpu"); unary (32) $(cat "$OUT/unary.cpu") |
| 6. the transport's ceiling (a server that answers at once): stream / batches / unary (32; 64) | $(get "$OUT/ceiling_stream.txt" stream_events_per_s) / $(get "$OUT/ceiling_batch.txt" batch_events_per_s) / $(get "$OUT/ceiling_unary.txt" unary_events_per_s); $(get "$OUT/ceiling_unary64.txt" unary_events_per_s) events/s (unary p99 $(get "$OUT/ceiling_unary.txt" unary_p99_ms) ms) |
| 5. daemon RSS: started / after broadcast / peak after ingestion | $RSS_IDLE / $RSS_AFTER_BROADCAST / $RSS_HWM MiB |
| 5. start to serving: first start / restart | $FIRST_START_MS / $RESTART_MS ms (RSS after restart $RSS_RESTARTED MiB) |
| 7. a decision's whole audit history, after the broadcast (the last decision made is entry $(get "$OUT/audit.txt" audit_last_created_entry) of the chain) | p50 $(get "$OUT/audit.txt" audit_p50_ms) ms, p99 $(get "$OUT/audit.txt" audit_p99_ms) ms ($(get "$OUT/audit.txt" audit_calls_per_lookup) calls, $(get "$OUT/audit.txt" audit_entries_per_lookup) entries per decision; $(get "$OUT/audit.txt" audit_lookups) decisions) |
EOF
