#!/usr/bin/env bash
# Runs one fuzzer of tests/fuzz/ for a number of minutes with libFuzzer,
# AddressSanitizer (with leak detection) and UndefinedBehaviorSanitizer.
#
#   tests/fuzz/run.sh NAME MINUTES [libFuzzer flags...]
#   tests/fuzz/run.sh event_json_fuzzer 10
#   tests/fuzz/run.sh rule_pack_fuzzer 5 -max_len=8192
#
# NAME: event_json_fuzzer, event_proto_fuzzer, rule_pack_fuzzer or
# expression_fuzzer.
# Builds with clang-14 into build-fuzz/ (configured once; JOBS=2 by default).
# New interesting inputs go to build-fuzz/fuzz/NAME/corpus/, crashes, leaks
# and timeouts to build-fuzz/fuzz/NAME/artifacts/; the seed corpus
# tests/fuzz/corpus/NAME/ (corpus/expression/ for expression_fuzzer) is
# only read. Replay an artefact with
#   build-fuzz/tests/NAME build-fuzz/fuzz/NAME/artifacts/crash-...
# and, once fixed, copy it into tests/fuzz/corpus/NAME/ so that ctest replays
# it (test NAME_corpus, or fuzz.expression_corpus).
set -euo pipefail
NAME="${1:?usage: tests/fuzz/run.sh NAME MINUTES [libFuzzer flags...]}"
MINUTES="${2:?usage: tests/fuzz/run.sh NAME MINUTES [libFuzzer flags...]}"
shift 2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${PROACTIVE_FUZZ_BUILD:-$ROOT/build-fuzz}"
SEEDS="$ROOT/tests/fuzz/corpus/$NAME"
# The expression fuzzer's corpus predates the naming (ctest fuzz.expression_corpus reads it).
[[ "$NAME" == expression_fuzzer ]] && SEEDS="$ROOT/tests/fuzz/corpus/expression"
[[ -d "$SEEDS" ]] || { echo "no seed corpus $SEEDS (unknown fuzzer $NAME?)" >&2; exit 2; }
command -v clang++-14 >/dev/null || { echo "needs clang-14 and libclang-rt-14-dev (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPROACTIVE_FUZZERS=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
fi
cmake --build "$BUILD" --target "$NAME" -j "${JOBS:-2}"

WORK="$BUILD/fuzz/$NAME"
mkdir -p "$WORK/corpus" "$WORK/artifacts"
FLAGS=(-max_total_time=$((MINUTES * 60)) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
       -artifact_prefix="$WORK/artifacts/")
[[ -f "$ROOT/tests/fuzz/$NAME.dict" ]] && FLAGS+=(-dict="$ROOT/tests/fuzz/$NAME.dict")
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "fuzzing $NAME for $MINUTES minutes; corpus $WORK/corpus + $SEEDS" >&2
exec "$BUILD/tests/$NAME" "${FLAGS[@]}" "$@" "$WORK/corpus" "$SEEDS"
