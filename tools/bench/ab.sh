#!/usr/bin/env bash
# A before/after comparison of two checkouts' BenchmarkDotNet suites that survives a noisy machine: the two builds
# run alternately, ROUNDS times each (order swapped every round: AB, BA, AB, ...), every run's figures are read from
# BenchmarkDotNet's JSON export, and tools/bench/ab.py pairs each "after" run with the "before" run next to it. A drift
# of the machine's speed over the sitting then moves both sides of a pair together, and the per-pair ratios show how
# large the remaining noise is (their spread), instead of one run each deciding the answer.
#
#   tools/bench/ab.sh BEFORE_TREE AFTER_TREE ROUNDS OUT_DIR -- <Bench bdn options, e.g. --filter ... --iterationCount 15>
#   tools/bench/ab.py OUT_DIR [--baseline METHOD]      # the table (ab.sh prints it at the end too)
#
# Each tree must have its Release build of src/Bench (dotnet build -c Release src/Bench). Run it on an idle machine:
# nothing here makes a loaded machine quiet, it only makes the noise visible. See benchmarks.md (issue 10's section).
set -euo pipefail
if [ $# -lt 5 ] || [ "$5" != "--" ]; then
  echo "usage: tools/bench/ab.sh BEFORE_TREE AFTER_TREE ROUNDS OUT_DIR -- <Bench bdn options>" >&2
  exit 2
fi
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); rounds=$3; out=$4
shift 5
for tree in "$before" "$after"; do
  if [ ! -f "$tree/src/Bench/bin/Release/net10.0/Bench.dll" ]; then
    echo "ab.sh: no Release build in $tree (dotnet build -c Release src/Bench)" >&2
    exit 2
  fi
done
mkdir -p "$out"
run() { # SIDE TREE ROUND <bdn options>
  local side=$1 tree=$2 round=$3
  shift 3
  local dir="$out/round$round-$side"
  rm -rf "$dir"
  echo "== round $round, $side ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  (cd "$tree" && dotnet src/Bench/bin/Release/net10.0/Bench.dll bdn "$@" --exporters json --artifacts "$dir" >"$dir.log" 2>&1) || {
    echo "ab.sh: the $side run of round $round failed; see $dir.log" >&2
    exit 1
  }
}
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then
    run before "$before" "$round" "$@"; run after "$after" "$round" "$@"
  else
    run after "$after" "$round" "$@"; run before "$before" "$round" "$@"
  fi
done
python3 "$(dirname "$0")/ab.py" "$out"
