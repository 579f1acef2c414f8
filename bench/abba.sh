#!/usr/bin/env bash
# Side by side: one bench in another checkout (A, e.g. a base commit) and in this one (B), in the
# order A B B A, repeated, one run after another, so that a drift of the machine falls on both alike.
#
#   bash bench/abba.sh <other checkout> [rounds] -- bench/<name>.ts [args]
#
# The other checkout needs its own `npm ci`, and the bench at the same path (its own copy runs).
# Each run's output goes to $ABBA_OUT (default /tmp/abba)/<bench>-<round>-<1..4>-<other|this>.log;
# one line per run (start time, 1-minute load) goes to stdout. Compare the figures from the logs.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
other="$(cd "${1:?usage: bash bench/abba.sh <other checkout> [rounds] -- bench/<name>.ts [args]}" && pwd)"
shift
rounds=1
if [ "${1:-}" != "--" ]; then rounds="$1"; shift; fi
[ "${1:-}" = "--" ] || { echo "usage: bash bench/abba.sh <other checkout> [rounds] -- bench/<name>.ts [args]" >&2; exit 2; }
shift
bench="${1:?which bench}"
out="${ABBA_OUT:-/tmp/abba}"
mkdir -p "$out"
name="$(basename "$bench" .ts)"
for r in $(seq 1 "$rounds"); do
  i=0
  for who in other this this other; do
    i=$((i + 1))
    dir="$here"; [ "$who" = other ] && dir="$other"
    log="$out/$name-$r-$i-$who.log"
    echo "$name round $r run $i: $who ($dir) at $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1 /proc/loadavg) -> $log"
    (cd "$dir" && bash bench/run.sh "$@") > "$log" 2>&1 || echo "  exited $? (see $log)"
  done
done
