#!/usr/bin/env bash
# Installs what is needed, builds the app and opens it on the built-in sandbox target (no AWS
# account needed). Pass --release for an optimised build. Data lives in the platform's app data
# directory unless DRS_ORCH_DATA_DIR is set.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/drs-orchestrator/target}"
profile=()
[[ "${1:-}" == "--release" ]] && profile=(--release)
echo "==> building the UI"
npm --prefix ui run build --silent
echo "==> building the app (the first build takes a while: Tauri and WebKitGTK bindings)"
cargo build "${profile[@]}" --bin drs-orchestrator
bin="$CARGO_TARGET_DIR/$([[ ${#profile[@]} -gt 0 ]] && echo release || echo debug)/drs-orchestrator"
export WEBKIT_DISABLE_DMABUF_RENDERER=1
[[ $(id -u) -eq 0 ]] && export WEBKIT_DISABLE_COMPOSITING_MODE=1
echo "==> opening DRS Orchestrator ($bin)"
exec "$bin"
