#!/usr/bin/env bash
# Measures the release build's cold start to first painted window and its idle memory, under
# Xvfb. Prints each run and the median.
#
# How: the app is started with DRS_ORCH_STARTUP_PROBE=1; the UI calls `app_ready` two animation
# frames after its first render and the app then prints "first-paint". Start-to-paint is the wall
# time from exec to that line. Idle memory is read 10 s later from /proc: the app process alone,
# and the app with its WebKit child processes (web and network processes) summed (VmRSS).
# Each run uses a fresh data directory (database created and migrated on the way).
#
#   scripts/bench-startup.sh [RUNS]      (default 5; needs xvfb-run; builds --release if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/drs-orchestrator/target}"
if [[ -z "${DISPLAY:-}" ]]; then
  exec xvfb-run -a -s "-screen 0 1440x900x24" "$0" "$@"
fi
npm --prefix ui run build --silent
cargo build --release --bin drs-orchestrator --quiet
bin="$CARGO_TARGET_DIR/release/drs-orchestrator"
export WEBKIT_DISABLE_DMABUF_RENDERER=1 DRS_ORCH_STARTUP_PROBE=1
[[ $(id -u) -eq 0 ]] && export WEBKIT_DISABLE_COMPOSITING_MODE=1

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
tree_rss_kb() {
  local total; total=$(rss_kb "$1")
  for child in $(pgrep -P "$1" || true); do total=$((total + $(tree_rss_kb "$child"))); done
  echo "$total"
}

starts=(); apps=(); trees=()
for i in $(seq 1 "$runs"); do
  data=$(mktemp -d)
  fifo="$data/out"; mkfifo "$fifo"
  t0=$(date +%s%N)
  DRS_ORCH_DATA_DIR="$data" "$bin" >"$fifo" 2>/dev/null &
  pid=$!
  if ! timeout 60 grep -m1 -q first-paint <"$fifo"; then echo "run $i: no first paint within 60 s" >&2; kill "$pid"; exit 1; fi
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  sleep 10
  app=$(($(rss_kb "$pid") / 1024)); tree=$(($(tree_rss_kb "$pid") / 1024))
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
  echo "run $i: first paint ${ms} ms; idle RSS app ${app} MiB, app + WebKit processes ${tree} MiB"
  starts+=("$ms"); apps+=("$app"); trees+=("$tree")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median of $runs: first paint $(median "${starts[@]}") ms; idle RSS app $(median "${apps[@]}") MiB, with WebKit processes $(median "${trees[@]}") MiB"
