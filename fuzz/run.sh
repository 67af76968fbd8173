#!/usr/bin/env bash
# Runs every fuzz target (or those named in $TARGETS) for SECONDS each (default 60), one after
# the other, with libFuzzer through cargo-fuzz, and prints executions and crashes per target.
#
#   fuzz/run.sh [SECONDS]            e.g. fuzz/run.sh 300; TARGETS="outputs template" fuzz/run.sh
#
# cargo-fuzz needs nightly `-Z` flags; on a stable toolchain RUSTC_BOOTSTRAP=1 makes rustc accept
# them (it is set here). Without cargo-fuzz (`cargo install cargo-fuzz`) the same targets are
# built by plain cargo with the sanitizer-coverage flags cargo-fuzz would pass (no ASan) and run
# directly. New corpus entries go to corpus/<target>/ (only the seed-* files are committed),
# crashes to artifacts/<target>/. Exit status: 0 when no target crashed, 1 otherwise.
# Not run by .ci/run (time); the nightly workflow runs it.
set -euo pipefail
secs="${1:-60}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
targets="${TARGETS:-template outputs literal_json language_toml suite_toml}"
# -timeout: an input that takes this long is a hang (a FIFO blocking the collector, say).
flags=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
mkdir -p logs

if cargo fuzz --version >/dev/null 2>&1; then
  mode=cargo-fuzz
  nice -n 10 cargo fuzz build -O
  run() { nice -n 10 cargo fuzz run -O "$1" "corpus/$1" -- "${flags[@]}"; }
else
  mode=libfuzzer-sys
  echo "cargo-fuzz not found: building with plain cargo and sanitizer-coverage flags" >&2
  RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks" \
    nice -n 10 cargo build --release --target-dir target/plain
  run() { nice -n 10 "target/plain/release/$1" "${flags[@]}" -artifact_prefix="artifacts/$1/" "corpus/$1"; }
fi

failed=0
printf '%-14s %12s %10s %8s %8s  %s\n' target execs exec/s cov corpus crashes >logs/summary.txt
for t in $targets; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  echo "== $t: ${secs}s ($mode)" >&2
  status=0
  run "$t" >"logs/$t.log" 2>&1 || status=$?
  after=$(find "artifacts/$t" -type f | wc -l)
  stat() { grep -o "stat::$1: *[0-9]*" "logs/$t.log" | grep -o '[0-9]*$' | tail -1; }
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*' || echo '?')
  printf '%-14s %12s %10s %8s %8s  %s\n' "$t" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "$cov" "$(find "corpus/$t" -type f | wc -l)" \
    "$((after - before))" >>logs/summary.txt
  if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
    failed=1
    echo "!! $t failed (exit $status); see fuzz/logs/$t.log and fuzz/artifacts/$t/" >&2
    grep -m5 -E 'panicked|ERROR|SUMMARY|Test unit written' "logs/$t.log" >&2 || true
  fi
done
cat logs/summary.txt
exit "$failed"
