#!/usr/bin/env bash
# Soak test (not part of `cargo test`): runs the protocol suite (the probe image, one container
# per case) again and again until at least CASES cases have run (default 1000), and checks after
# every run that
#   - the run passed (exit 0) and its report.json holds every case,
#   - no container labelled with the run's owner pid (rawconf.pid=<pid>) is left on the engine,
#   - no rawconf temp dir is left in the soak's own TMPDIR,
# and at the end that the harness's peak memory is flat: the largest peak RSS (VmHWM, from
# /usr/bin/time) of the last third of the runs is within 20% + 8 MiB of the first third's.
#
#   scripts/soak.sh [CASES]       figures go to target/soak/soak.csv and target/soak/summary.txt
#
# Env: SOAK_ARGS adds arguments to every `rawconf run` (e.g. "-j 4"); SOAK_DIR moves the output.
# Exit status: 0 when every check held, 1 otherwise. It only reads the engine's container list;
# it removes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-1000}"
out="${SOAK_DIR:-target/soak}"
rm -rf "$out"
mkdir -p "$out/tmp"
tmp="$(cd "$out/tmp" && pwd)"
cargo build --release --locked -q
bin="$PWD/target/release/rawconf"
"$bin" images build probe >/dev/null

csv="$out/soak.csv"
echo "run,cases,exit,seconds,peak_rss_kb,rss_samples_kb_min,rss_samples_kb_max,leaked_containers,leaked_dirs" >"$csv"
failed=0
total=0
run=0
started=$(date +%s)
while [ "$total" -lt "$want" ]; do
  run=$((run + 1))
  rd="$out/run-$run"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  TMPDIR="$tmp" /usr/bin/time -v -o "$out/time-$run.txt" \
    "$bin" run --suite protocol --report-dir "$rd" ${SOAK_ARGS:-} >"$out/run-$run.log" 2>&1 &
  timer=$!
  # The rawconf process is /usr/bin/time's child; sample its resident set while it runs.
  pid=""
  for _ in $(seq 50); do
    pid=$(pgrep -P "$timer" || true)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  min=""; max=0
  while kill -0 "$timer" 2>/dev/null; do
    if [ -n "$pid" ] && rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) && [ -n "$rss" ]; then
      [ -z "$min" ] || [ "$rss" -lt "$min" ] && min=$rss
      [ "$rss" -gt "$max" ] && max=$rss
    fi
    sleep 0.5
  done
  code=0
  wait "$timer" || code=$?
  secs=$(echo "$(date +%s.%N) - $t0" | bc)
  peak=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time-$run.txt")
  cases=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$rd/report.json" 2>/dev/null || echo 0)
  containers=0
  if [ -n "$pid" ]; then
    containers=$(docker ps -aq --filter "label=rawconf.pid=$pid" | wc -l)
  fi
  dirs=$(find "$tmp" -mindepth 1 -maxdepth 1 -name 'rawconf-*' | wc -l)
  printf '%s,%s,%s,%.1f,%s,%s,%s,%s,%s\n' "$run" "$cases" "$code" "$secs" "$peak" "${min:-0}" "$max" \
    "$containers" "$dirs" >>"$csv"
  printf -v secs "%.1f" "$secs"
  echo "soak: run $run: $cases cases, exit $code, ${secs}s, peak RSS ${peak} KiB, leaked: $containers container(s), $dirs dir(s)"
  if [ "$code" -ne 0 ] || [ "$cases" -eq 0 ] || [ "$containers" -ne 0 ] || [ "$dirs" -ne 0 ]; then
    failed=1
    tail -20 "$out/run-$run.log" >&2
  fi
  total=$((total + cases))
  [ "$cases" -eq 0 ] && break
done

summary=$(python3 - "$csv" "$total" "$(( $(date +%s) - started ))" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
peaks = [int(r["peak_rss_kb"] or 0) for r in rows]
third = max(1, len(peaks) // 3)
first, last = max(peaks[:third]), max(peaks[-third:])
flat = last <= first * 1.2 + 8192
print(f"runs: {len(rows)}, cases: {sys.argv[2]}, wall: {sys.argv[3]} s")
print(f"leaked containers: {sum(int(r['leaked_containers']) for r in rows)}, leaked temp dirs: {sum(int(r['leaked_dirs']) for r in rows)}")
print(f"failed runs: {sum(1 for r in rows if r['exit'] != '0')}")
print(f"peak RSS per run (KiB): min {min(peaks)}, max {max(peaks)}; first third max {first}, last third max {last}: {'flat' if flat else 'GROWING'}")
sys.exit(0 if flat else 3)
PY
) || failed=1
echo "$summary" | tee "$out/summary.txt"
exit "$failed"
