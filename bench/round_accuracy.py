#!/usr/bin/env python3
"""Per-round test accuracy of the runs in attack-matrix diagnostics files (the `accuracy` column).

For each run (seed, attack, attackers, rule): the final and best accuracy, the mean over the last
`last` rounds, and the mean absolute change from one round to the next over them: a model that
swings between two states round to round has a large swing and a final value that depends on which
round is last. Usage: bench/round_accuracy.py <diag.csv>... [--last N] [--rounds]
"""
import csv
import sys


def main(argv):
    last = 10
    show_rounds = False
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == "--last":
            last = int(argv[i + 1])
            i += 2
            continue
        if argv[i] == "--rounds":
            show_rounds = True
        else:
            files.append(argv[i])
        i += 1
    if not files:
        sys.exit("usage: bench/round_accuracy.py <diag.csv>... [--last N] [--rounds]")
    print("| file | seed | attack | rule | final | best | mean of last %d | mean swing over them |" % last)
    print("|---|---|---|---|---:|---:|---:|---:|")
    for f in files:
        runs = {}
        with open(f, newline="") as fh:
            reader = csv.DictReader(fh)
            if "accuracy" not in (reader.fieldnames or []):
                sys.exit(f + ": no accuracy column (files begun before it have none)")
            for row in reader:
                key = (row["seed"], row["attack"], row["attackers"], row["rule"])
                runs.setdefault(key, {})[int(row["round"])] = float(row["accuracy"])
        for (seed, attack, attackers, rule), by_round in runs.items():
            acc = [by_round[r] for r in sorted(by_round)]
            tail = acc[-last:]
            swing = [abs(b - a) for a, b in zip(acc[-last - 1 :], acc[-last:])]
            print(
                "| %s | %s | %s | %s | %.2f %% | %.2f %% | %.2f %% | %.2f pp |"
                % (
                    f.split("/")[-1],
                    seed,
                    attack if attack == "none" else "%s (%s)" % (attack, attackers),
                    rule,
                    100 * acc[-1],
                    100 * max(acc),
                    100 * sum(tail) / len(tail),
                    100 * sum(swing) / len(swing),
                )
            )
            if show_rounds:
                print("|  |  |  |  | " + " ".join("%.1f" % (100 * a) for a in acc) + " | | | |")


if __name__ == "__main__":
    main(sys.argv[1:])
