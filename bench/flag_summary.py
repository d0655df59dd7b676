#!/usr/bin/env python3
"""Who was flagged, for what, and who was paid, per run of attack-matrix diagnostics files.

For each run (seed, attack with its number of attackers, rule): the attackers' submissions by flag (`passed` for none),
the honest submissions flagged by reason and which honest trainers those were, and the attackers'
share of the weight in each of the first rounds they got any. The numbers BENCHMARKS.md quotes as
"dropped in 180 of their 180 submissions" come from here.
Usage: bench/flag_summary.py <diag.csv>... [--rounds N]   (N: how many paid rounds to list, default 6)
"""
import csv
import sys
from collections import Counter, defaultdict


def main(argv):
    paid_rounds = 6
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == "--rounds":
            paid_rounds = int(argv[i + 1])
            i += 2
            continue
        files.append(argv[i])
        i += 1
    if not files:
        sys.exit("usage: bench/flag_summary.py <diag.csv>... [--rounds N]")
    print("| file | seed | attack | rule | attackers' submissions by flag | honest flagged (trainer×times) "
          "| attackers' weight in their first paid rounds |")
    print("|---|---|---|---|---|---|---|")
    for path in files:
        runs = defaultdict(list)
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                runs[(row["seed"], row["attack"], row["attackers"], row["rule"])].append(row)
        for (seed, attack, attackers_n, rule), rows in runs.items():
            attackers = Counter()
            honest = Counter()
            weight = defaultdict(float)
            for r in rows:
                # a flag is written reason/metric; the reason is what the table counts
                flag = r["flag"].split("/")[0] if r["flag"] else ""
                if r["attacker"] == "true":
                    attackers[flag or "passed"] += 1
                    weight[int(r["round"])] += float(r["weight"])
                elif flag:
                    honest[(r["client"], flag)] += 1
            by_flag = ", ".join(f"{k} {v}" for k, v in attackers.most_common()) or "—"
            flagged = ", ".join(f"c{c} {fl}×{n}" for (c, fl), n in sorted(honest.items())) or "0"
            paid = [f"r{rnd} {100 * w:.2f}%" for rnd, w in sorted(weight.items()) if w > 0][:paid_rounds]
            print(f"| {path.split('/')[-1]} | {seed} | {attack} ({attackers_n}) | {rule} | {by_flag} | {flagged} "
                  f"| {', '.join(paid) or 'none'} |")


if __name__ == "__main__":
    main(sys.argv[1:])
