#!/usr/bin/env bash
# Installs everything DRS Orchestrator needs on Debian/Ubuntu: system libraries (WebKitGTK for
# the window), test tools (Xvfb, WebKitWebDriver, gnome-keyring, poppler), the UI's npm packages
# and a pinned tauri-driver. Safe to run again; it only installs what is missing.
#
#   scripts/install-deps.sh          build + run dependencies
#   scripts/install-deps.sh --test   also what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

CACHE="${DRS_ORCH_CACHE:-$HOME/.cache/drs-orchestrator}"
TAURI_DRIVER_VERSION=2.1.0
CARGO_DENY_VERSION=0.19.0

sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

build_pkgs=(libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev pkg-config)
test_pkgs=(python3-venv procps webkit2gtk-driver xvfb xauth dbus-x11 gnome-keyring libsecret-tools poppler-utils imagemagick)
pkgs=("${build_pkgs[@]}")
[[ $want_test -eq 1 ]] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> apt: installing ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "error: Rust is not installed. Install it from https://rustup.rs (rustup), then run this again." >&2
  exit 1
fi
# The toolchain pinned in rust-toolchain.toml (rustup fetches it; where it cannot, an installed
# stable of exactly that version is linked under its name).
RUST_VERSION=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
if command -v rustup >/dev/null && ! rustup run "$RUST_VERSION" rustc --version >/dev/null 2>&1; then
  echo "==> rustup: installing Rust $RUST_VERSION"
  if ! rustup toolchain install "$RUST_VERSION" --profile minimal -c rustfmt -c clippy; then
    stable_sysroot=$(rustc +stable --print sysroot 2>/dev/null || true)
    if [[ -n "$stable_sysroot" ]] && rustc +stable --version | grep -q "^rustc $RUST_VERSION "; then
      rustup toolchain link "$RUST_VERSION" "$stable_sysroot"
    else
      echo "error: Rust $RUST_VERSION (rust-toolchain.toml) cannot be installed; install it with rustup, then run this again." >&2
      exit 1
    fi
  fi
fi
if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "error: Node.js 20.19 or newer is needed for the UI build (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "       Install it from nodejs.org or your distribution's backports, then run this again." >&2
  exit 1
fi

if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
  echo "==> npm: installing the UI's packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

if [[ $want_test -eq 1 ]]; then
  if ! "$CACHE/venv/bin/aws" --version >/dev/null 2>&1 || [[ ! -x "$CACHE/venv/bin/moto_server" ]] || [[ ! -x "$CACHE/venv/bin/cfn-lint" ]]; then
    echo "==> pip: installing the AWS CLI, moto (independent peers for the AWS tests) and cfn-lint (the monitoring template)"
    python3 -m venv "$CACHE/venv"
    "$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check awscli 'moto[server]' cfn-lint
  fi
  if ! "$CACHE/tools/bin/cargo-deny" --version 2>/dev/null | grep -q "^cargo-deny $CARGO_DENY_VERSION$"; then
    echo "==> cargo: installing cargo-deny $CARGO_DENY_VERSION (dependency advisories and licences)"
    CARGO_TARGET_DIR="$CACHE/tools-target" cargo install cargo-deny --locked \
      --version "$CARGO_DENY_VERSION" --root "$CACHE/tools" --quiet
  fi
  if ! "$CACHE/tools/bin/tauri-driver" --help >/dev/null 2>&1; then
    echo "==> cargo: installing tauri-driver $TAURI_DRIVER_VERSION"
    CARGO_TARGET_DIR="$CACHE/tools-target" cargo install tauri-driver --locked \
      --version "$TAURI_DRIVER_VERSION" --root "$CACHE/tools" --quiet
  fi
fi
echo "==> dependencies are in place"
