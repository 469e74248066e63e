#!/usr/bin/env bash
# cargo deny over the dependency tree: advisories (RustSec), licences, sources, bans (deny.toml).
# The advisory database is fetched when the network allows; otherwise the snapshot in
# scripts/advisory-db.tar.gz is used: RustSec advisory-db at commit bf5c0d2 of 2026-08-21
# (replace it with a newer `git archive --prefix=advisory-db/ HEAD` of that repository).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${DRS_ORCH_CACHE:-$HOME/.cache/drs-orchestrator}"
export PATH="$CACHE/tools/bin:$PATH"
command -v cargo-deny >/dev/null || { echo "error: cargo-deny is missing; run scripts/install-deps.sh --test" >&2; exit 1; }

# Where cargo-deny keeps the database of https://github.com/rustsec/advisory-db.
db="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/advisory-db-3157b0e258782691"
fetch=()
if timeout 60 cargo deny fetch db >/dev/null 2>&1; then
  echo "advisories: the RustSec database, fetched now"
else
  if [[ ! -d "$db/.git" ]] || [[ scripts/advisory-db.tar.gz -nt "$db/.git/snapshot" ]]; then
    rm -rf "$db"
    mkdir -p "$db"
    tar -xzf scripts/advisory-db.tar.gz -C "$db" --strip-components=1
    git -C "$db" init -q
    git -C "$db" add -A
    git -C "$db" -c user.name=snapshot -c user.email=snapshot@localhost commit -qm "advisory-db snapshot" --date "2026-08-21T08:28:40+02:00"
    touch "$db/.git/snapshot"
  fi
  echo "advisories: the network cannot reach GitHub; the RustSec snapshot of 2026-08-21 (scripts/advisory-db.tar.gz)"
  fetch=(--disable-fetch)
fi
cargo deny --log-level error check "${fetch[@]}" advisories licenses sources bans
