#!/usr/bin/env bash
# The whole test suite: formatting, lints, type checks, Rust unit/store/IPC/CLI tests, the
# WebDriver end-to-end test of the real window under Xvfb, and the UI's Vitest tests.
# Run scripts/install-deps.sh --test first (the CI script does).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/drs-orchestrator/target}"
CACHE="${DRS_ORCH_CACHE:-$HOME/.cache/drs-orchestrator}"
export PATH="$CACHE/tools/bin:$CACHE/venv/bin:$PATH"
export CARGO_TERM_COLOR=never

for tool in cargo-deny tauri-driver WebKitWebDriver xvfb-run import aws moto_server cfn-lint dbus-run-session gnome-keyring-daemon secret-tool; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing; run scripts/install-deps.sh --test" >&2; exit 1; }
done

step() { echo; echo "==> $*"; }

step "UI: type check and build (embedded into the app)"
npm --prefix ui run build --silent

step "UI: ESLint (no warnings)"
npm --prefix ui run lint --silent

step "Dependencies: cargo deny (advisories, licences, sources) and npm audit of the UI's runtime packages"
scripts/deny.sh
if audit=$(npm --prefix ui audit --omit=dev --audit-level=high 2>&1); then
  echo "$audit" | tail -1
elif grep -q "audit endpoint returned an error" <<<"$audit"; then
  echo "npm audit: skipped, the registry's audit service cannot be reached from this network"
else
  echo "$audit"
  exit 1
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "cargo doc (no warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "Rust tests (core, store, IPC, CLI, AWS peers, the OS keychain, the real window over WebDriver)"
rm -rf tests/artifacts
export DRS_E2E=1 WEBKIT_DISABLE_DMABUF_RENDERER=1
[[ $(id -u) -eq 0 ]] && export WEBKIT_DISABLE_COMPOSITING_MODE=1
# A private D-Bus session with an unlocked gnome-keyring (a real Secret Service), and Xvfb.
dbus-run-session -- sh -c '
  echo -n test | gnome-keyring-daemon --components=secrets --daemonize --unlock >/dev/null
  exec xvfb-run -a -s "-screen 0 1440x900x24" cargo test --workspace --all-targets'


step "UI tests (Vitest)"
npm --prefix ui test --silent
