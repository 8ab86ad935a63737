#!/usr/bin/env python3
"""Per-file scores from a Stryker.NET mutation-report.json, and what they were without some tests.

    tools/mutation/score.py REPORT.json [--without NAME ...]

Prints one row per mutated file: killed, survived, timeout, no coverage, score = (killed + timeout) / (all of them).
With --without, a second row recomputes the statuses as if the tests whose full name contains any NAME did not exist:
a killed mutant stays killed only if another test killed it (run.sh passes --disable-bail, so killedBy lists every
killing test), otherwise it is survived if another test covers it and no coverage if none does. A timeout is kept
when another test covers it (it may have been the removed test that hung: the row says how many such timeouts there
were). This is how the "before" rows of docs/mutation.md were obtained for the tests added with them.
"""
import json
import os
import sys


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    report = json.load(open(argv[1], encoding="utf-8"))
    without = argv[argv.index("--without") + 1:] if "--without" in argv else []
    names = {}
    for test_file in report.get("testFiles", {}).values():
        for test in test_file.get("tests", []):
            names[test["id"]] = test["name"]

    def removed(test_id):
        return any(n in names.get(test_id, test_id) for n in without)

    for path, data in sorted(report["files"].items()):
        rows = [("with all tests", score(m["status"] for m in data["mutants"]))]
        if rows[0][1]["valid"] == 0:
            continue  # not mutated in this run (outside --mutate)
        if without:
            statuses, uncertain = [], 0
            for m in data["mutants"]:
                killers = [t for t in m.get("killedBy") or [] if not removed(t)]
                covers = [t for t in m.get("coveredBy") or [] if not removed(t)]
                status = m["status"]
                if status == "Killed":
                    status = "Killed" if killers else ("Survived" if covers else "NoCoverage")
                elif status == "Timeout":
                    if covers:
                        uncertain += 1 if any(removed(t) for t in m.get("coveredBy") or []) else 0
                    else:
                        status = "NoCoverage"
                elif status == "Survived" and not covers:
                    status = "NoCoverage"
                statuses.append(status)
            row = score(statuses)
            row["note"] = f"{uncertain} timeout(s) also covered by removed tests" if uncertain else ""
            rows.append(("without " + ", ".join(without), row))
        for label, r in rows:
            print(f"{os.path.relpath(path)}\t{label}\tkilled {r['Killed']}\tsurvived {r['Survived']}\ttimeout {r['Timeout']}"
                  f"\tno coverage {r['NoCoverage']}\tignored/compile error {r['other']}\tscore {r['score']:.1f} %\t{r.get('note', '')}")
    return 0


def score(statuses):
    counts = {"Killed": 0, "Survived": 0, "Timeout": 0, "NoCoverage": 0, "other": 0}
    for s in statuses:
        counts[s if s in counts else "other"] += 1
    detected = counts["Killed"] + counts["Timeout"]
    valid = detected + counts["Survived"] + counts["NoCoverage"]
    counts["valid"] = valid
    counts["score"] = 100.0 * detected / valid if valid else 0.0
    return counts


if __name__ == "__main__":
    sys.exit(main(sys.argv))
