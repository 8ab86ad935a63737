#!/usr/bin/env python3
"""The table of a tools/bench/ab.sh sitting: per benchmark, each side's median time over its rounds (with the range),
the after/before ratio of each round's pair (median and range: the noise that is left), each side's median ratio to
its own run's category baseline (a machine-speed-free figure), and bytes allocated per operation.

    tools/bench/ab.py OUT_DIR [--baseline BASE=METHOD,METHOD...]...

--baseline: also each side's median over rounds of (METHOD ÷ BASE in the same run), a figure the machine's speed
cancels out of, e.g. --baseline RawRsaVerify=Rs256Uncached,Rs256Cached. Repeat it for other groups. A benchmark
that only one side has (added or removed between the two trees) is listed with "—" on the other side.
"""
import glob
import json
import os
import re
import statistics
import sys


def load(out_dir):
    runs = {}  # (round, side) -> {Type.Method: (mean ns, bytes allocated per operation)}
    for path in glob.glob(os.path.join(out_dir, "round*-*", "results", "*-report-full-compressed.json")):
        match = re.search(r"round(\d+)-(before|after)", path)
        key = (int(match.group(1)), match.group(2))
        with open(path) as f:
            report = json.load(f)
        for b in report["Benchmarks"]:
            title = b["Type"] + "." + b["Method"]
            runs.setdefault(key, {})[title] = (b["Statistics"]["Mean"], b["Memory"]["BytesAllocatedPerOperation"])
    return runs


def spread(values):
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}–{fmt(max(values))}]" if values else "—"


def versus(runs, paired, method, baseline, column):
    """' x → y |': each side's median over rounds of method ÷ baseline in the same run; ' |' (no baseline) or '' (no column)."""
    if not baseline:
        return " |" if column else ""
    cells = []
    for side in ("before", "after"):
        ratios = [runs[(r, side)][method][0] / runs[(r, side)][b][0] for r in paired
                  for b in [k for k in runs[(r, side)] if k.endswith("." + baseline)] if method in runs[(r, side)]]
        cells.append(f"{statistics.median(ratios):.3f}" if ratios else "—")
    return f" {cells[0]} → {cells[1]} |"


def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def main():
    args = sys.argv[1:]
    baselines = {}  # method -> its baseline method
    while len(args) >= 3 and args[-2] == "--baseline" and "=" in args[-1]:
        base, methods = args[-1].split("=", 1)
        baselines.update({m: base for m in methods.split(",") if m})
        args = args[:-2]
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = load(args[0])
    rounds = sorted({r for r, _ in runs})
    paired = [r for r in rounds if (r, "before") in runs and (r, "after") in runs]
    if not paired:
        print("ab.py: no complete round (a before and an after JSON report) in " + args[0], file=sys.stderr)
        return 1
    methods = sorted({m for r in paired for side in ("before", "after") for m in runs[(r, side)]})
    print(f"{len(paired)} paired rounds: {', '.join(map(str, paired))}")
    print()
    extra = " ÷ baseline, before → after (medians) |" if baselines else ""
    print("| benchmark | before: median [range] | after: median [range] | after ÷ before per round: median [range] | alloc B/op before → after |" + extra)
    print("|---|---:|---:|---:|---:|" + ("---:|" if baselines else ""))
    for m in methods:
        b = [runs[(r, "before")][m][0] for r in paired if m in runs[(r, "before")]]
        a = [runs[(r, "after")][m][0] for r in paired if m in runs[(r, "after")]]
        ratios = [runs[(r, "after")][m][0] / runs[(r, "before")][m][0] for r in paired if m in runs[(r, "before")] and m in runs[(r, "after")]]
        ab = runs[(paired[0], "before")].get(m, (0, "—"))[1]
        aa = runs[(paired[0], "after")].get(m, (0, "—"))[1]
        paired_cell = f"**{statistics.median(ratios):.3f}** [{min(ratios):.3f}–{max(ratios):.3f}]" if ratios else "—"
        print(f"| {m.split('.')[-1]} | {spread(b)} | {spread(a)} | {paired_cell} | {ab} → {aa} |"
              + versus(runs, paired, m, baselines.get(m.split(".")[-1]), bool(baselines)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
