#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of client/fuzz, broker-lite/fuzz and cli/fuzz
# on the stable toolchain: plain cargo with the coverage instrumentation
# cargo-fuzz passes (-Cpasses=sancov-module and LLVM options, all stable
# flags). No nightly and no cargo-fuzz needed; see docs/reliability.md.
#
#   .ci/fuzz.sh build                  build every target
#   .ci/fuzz.sh run [SECONDS] [TARGET] run each target (or one) for SECONDS
#                                          (default 30), bounded; fails on a crash
#   .ci/fuzz.sh runs N TARGET          run TARGET for N executions
#   .ci/fuzz.sh repro TARGET FILE      run one input (a crash to debug)
#
# Corpora live in <crate>/fuzz/corpus/<target> (committed seeds captured
# from real traffic, see broker-lite/fuzz/capture-corpus.py); new inputs found by a
# run go to target/fuzz/corpus/<target>, crashes to <crate>/fuzz/artifacts.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="$ROOT/target/fuzz"
export RUSTFLAGS="${FUZZ_RUSTFLAGS:--Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth --cfg fuzzing -Cdebug-assertions -Coverflow-checks}"
# Scratch data directories of the broker targets: tmpfs when there is one.
if [[ -z "${FUZZ_SCRATCH_DIR:-}" && -d /dev/shm && -w /dev/shm ]]; then
  export FUZZ_SCRATCH_DIR=/dev/shm
fi
# An explicit --target keeps RUSTFLAGS off build scripts and proc macros
# (they must not link against libFuzzer's hooks), as cargo-fuzz does.
HOST="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="$CARGO_TARGET_DIR/$HOST/release"
TARGETS_client="response record_batch consumer_protocol client_properties"
TARGETS_broker="request segment_recovery broker_properties"
TARGETS_cli="contexts_file"

crate_of() {
  case " $TARGETS_client " in *" $1 "*) echo client; return ;; esac
  case " $TARGETS_broker " in *" $1 "*) echo broker-lite; return ;; esac
  case " $TARGETS_cli " in *" $1 "*) echo cli; return ;; esac
  echo "unknown fuzz target: $1" >&2
  exit 2
}

build() {
  for crate in client broker-lite cli; do
    (cd "$ROOT/$crate/fuzz" && cargo build --release --bins --target "$HOST")
  done
}

# run_target TARGET LIBFUZZER-ARGS...
run_target() {
  local target="$1"; shift
  local crate; crate="$(crate_of "$target")"
  local seeds="$ROOT/$crate/fuzz/corpus/$target"
  local grown="$CARGO_TARGET_DIR/corpus/$target"
  local artifacts="$ROOT/$crate/fuzz/artifacts/$target"
  mkdir -p "$grown" "$artifacts" "$seeds"
  # -rss_limit_mb: a leak or unbounded allocation is a crash. -timeout: one
  # input taking longer is a hang.
  "$BIN_DIR/$target" "$grown" "$seeds" \
    -artifact_prefix="$artifacts/" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 "$@"
}

cmd="${1:-run}"
case "$cmd" in
  build) build ;;
  run)
    seconds="${2:-30}"
    build
    targets="${3:-$TARGETS_client $TARGETS_broker $TARGETS_cli}"
    for t in $targets; do
      echo "== fuzz $t for ${seconds}s"
      run_target "$t" -max_total_time="$seconds"
    done
    ;;
  runs)
    build
    run_target "$3" -runs="$2"
    ;;
  repro)
    build
    crate="$(crate_of "$2")"
    "$BIN_DIR/$2" "$3"
    ;;
  *) echo "usage: $0 build | run [SECONDS] [TARGET] | runs N TARGET | repro TARGET FILE" >&2; exit 2 ;;
esac
