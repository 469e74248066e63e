#!/usr/bin/env bash
# Applies a protection group's launch settings to 300 servers against the sandbox and prints
# the wall time and the API calls it cost, per run and the median.
#
# How: `sandbox serve` with a generated 1,200-server estate (300 of them tagged Tier=web); a
# fresh data directory whose Sandbox target points at it; a group selecting Tier=web with an
# instance type, launch disposition, right-sizing and recovery mode that differ from what DRS
# holds (so every server gets a new launch configuration and a new default template version).
# The release CLI's `group apply bench-web --yes --json` is timed from exec to exit: preview,
# checks against AWS, fresh reads, the record written first, then 8 servers at a time with the
# SDK's standard retries. API calls are the difference of the sandbox's /_sandbox/stats before
# and after. Every run uses a new sandbox and data directory.
#
#   scripts/bench-group-apply.sh [RUNS]      (default 3; builds --release if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/drs-orchestrator/target}"
npm --prefix ui run build --silent
cargo build --release --bin drs-orchestrator --quiet
bin="$CARGO_TARGET_DIR/release/drs-orchestrator"

times=()
for run in $(seq 1 "$runs"); do
  tmp=$(mktemp -d)
  cat > "$tmp/bulk.yaml" <<YAML
name: bulk
accounts:
  - id: "111122223333"
    accessKeyId: AKIASANDBOXPROD00001
    secretAccessKey: bulk-secret
generate:
  account: "111122223333"
  region: us-west-2
  sourceServers: 1200
  instances: 1200
YAML
  cat > "$tmp/group.yaml" <<YAML
apiVersion: drs-orchestrator/v1
kind: ProtectionGroup
metadata:
  name: bench-web
spec:
  target: Sandbox
  selector:
    tags: {Tier: web}
  launch:
    launchMode: newInstances
    instanceType: m5.xlarge
    launchDisposition: stopped
    rightSizing: none
    recoveryMode: optimal
YAML
  "$bin" --json sandbox serve --port 0 --scenario "$tmp/bulk.yaml" > "$tmp/serve.json" 2>/dev/null &
  serve=$!
  for _ in $(seq 1 100); do grep -q '^}' "$tmp/serve.json" 2>/dev/null && break; sleep 0.1; done
  endpoint=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$tmp/serve.json")
  token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["adminToken"])' "$tmp/serve.json")
  export DRS_ORCH_DATA_DIR="$tmp/data"
  "$bin" -q target edit Sandbox --endpoint-url "$endpoint" >/dev/null
  "$bin" -q group import "$tmp/group.yaml" >/dev/null
  python3 -c 'import json,sys,urllib.request; print(urllib.request.urlopen(sys.argv[1]+"/_sandbox/stats?token="+sys.argv[2]).read().decode())' "$endpoint" "$token" > "$tmp/before.json"
  start=$(date +%s.%N)
  "$bin" --json group apply bench-web --yes > "$tmp/apply.json"
  end=$(date +%s.%N)
  python3 -c 'import json,sys,urllib.request; print(urllib.request.urlopen(sys.argv[1]+"/_sandbox/stats?token="+sys.argv[2]).read().decode())' "$endpoint" "$token" > "$tmp/after.json"
  kill "$serve" 2>/dev/null || true
  wait "$serve" 2>/dev/null || true
  secs=$(python3 -c "print(f'{$end - $start:.2f}')")
  times+=("$secs")
  python3 - "$tmp" "$secs" "$run" <<'PY'
import json, sys
tmp, secs, run = sys.argv[1], sys.argv[2], sys.argv[3]
a = json.load(open(f"{tmp}/apply.json"))
before = json.load(open(f"{tmp}/before.json"))["calls"]
after = json.load(open(f"{tmp}/after.json"))["calls"]
calls = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
applied = sum(1 for s in a["servers"] if s["status"] == "applied")
failed = sum(1 for s in a["servers"] if s["status"] == "failed")
print(f"run {run}: {applied} servers changed, {failed} failed, {secs} s wall, {sum(calls.values())} API calls")
for k in sorted(calls):
    print(f"    {k:40} {calls[k]}")
PY
  rm -rf "$tmp"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median wall time over $runs run(s): $median s"
