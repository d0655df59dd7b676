#!/usr/bin/env python3
"""Turns the CSV of bench/attack-matrix into a markdown table and an SVG bar chart beside it.

    matrix_report.py CSV [COMMAND]                  CSV.md and CSV.svg (what bench/attack-matrix runs)
    matrix_report.py --combine STEM CSV [CSV ...]   one table and plot, STEM.md and STEM.svg, from the
                                                    runs of several CSVs (a matrix run piece by piece)

Means over seeds; a cell with fewer seeds than the most any cell has says how many (n=1). A run that
appears twice (same seed, attack, fraction and rule; a rerun appended, or two files holding it) counts
once, the later row winning, and is named on stderr. Columns: plain FedAvg, the best single classic rule (highest mean final accuracy over
the attacked runs among the rules that are neither fedavg nor cohort), and Cohort's policy when present.
Standard library only.
"""
import csv
import sys
from collections import defaultdict
from pathlib import Path

CLASSIC_EXCLUDED = {"fedavg", "cohort"}


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def load(paths):
    runs = {}  # (seed, attack, fraction, rule) -> row, the later winning
    for path in paths:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                run = (row["seed"], row["attack"], float(row["fraction"]), row["rule"])
                if run in runs:
                    print(f"{path}: seed {run[0]} {run[1]} {run[2]:.2f} {run[3]} appears again; "
                          "the later row counts", file=sys.stderr)
                runs[run] = row
    cells = defaultdict(list)  # (attack, fraction, rule) -> rows
    for (_, attack, fraction, rule), row in runs.items():
        cells[(attack, fraction, rule)].append(row)
    return cells


def summary(rows):
    def col(name, cast=float):
        return mean([cast(r[name]) if r[name] != "" else None for r in rows])

    return {
        "acc": col("final_accuracy"),
        "asr": col("backdoor_success"),
        "share": col("attacker_share"),
        "flagged": sum(int(r["honest_flagged"]) for r in rows),
        "seeds": len(rows),
    }


def fmt(s, attack, seeds):
    text = f"{100 * s['acc']:.1f}"
    if s["seeds"] < seeds:
        text += f" (n={s['seeds']})"
    # every run measures the triggered test images; the tables show it where it is the point: the
    # backdoor's success, and the clean model's floor under it
    if s["asr"] is not None and attack in ("backdoor", "none"):
        text += f" · bd {100 * s['asr']:.1f}%"
    text += f" · {100 * s['share']:.1f}%"
    if s["flagged"]:
        text += f" · ⚑{s['flagged']}"
    return text


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--combine":
        if len(sys.argv) < 4:
            sys.exit("usage: matrix_report.py --combine STEM CSV [CSV ...]")
        path = Path(sys.argv[2] + ".csv")
        sources = [Path(p) for p in sys.argv[3:]]
        title = "Attack matrix, combined from " + ", ".join(f"`{p}`" for p in sources)
    elif len(sys.argv) > 1:
        path = Path(sys.argv[1])
        sources = [path]
        command = sys.argv[2] if len(sys.argv) > 2 else ""
        title = f"Attack matrix: `bench/attack-matrix {path.stem.replace('attack-matrix', '')} {command}`"
    else:
        sys.exit("usage: matrix_report.py CSV [COMMAND] | --combine STEM CSV [CSV ...]")
    cells = load(sources)
    rules = sorted({k[2] for k in cells}, key=lambda r: (r == "cohort", r != "fedavg", r))
    cases = sorted({(k[0], k[1]) for k in cells}, key=lambda c: (c[0] != "none", c[0], c[1]))
    stats = {k: summary(v) for k, v in cells.items()}
    seeds = max(s["seeds"] for s in stats.values())

    classic = [r for r in rules if r not in CLASSIC_EXCLUDED]
    best = None
    if classic:
        best = max(
            classic,
            key=lambda r: mean([stats[(a, f, r)]["acc"] for (a, f) in cases
                                if a != "none" and (a, f, r) in stats]) or 0,
        )
    shown = [r for r in ["fedavg", best, "cohort"] if r and r in rules]

    lines = [f"# {title}", ""]
    lines.append("Each cell: final accuracy % · backdoor success (backdoor; for none, the clean model's rate on the same triggered images) · attackers' share of the "
                 "aggregation weight (their rewards) · ⚑ honest trainers ever flagged (summed over seeds); "
                 "means over seeds (n=: the seeds of a cell with fewer than the others).")
    lines.append("")
    if best:
        lines.append(f"Best single classic rule on these runs: **{best}** (highest mean final accuracy "
                     f"under attack among {', '.join(classic)}).")
        lines.append("")
    def table(columns):
        lines.append("| attack | fraction | " + " | ".join(columns) + " |")
        lines.append("|---|---:|" + "---|" * len(columns))
        for a, f in cases:
            row = [fmt(stats[(a, f, r)], a, seeds) if (a, f, r) in stats else "" for r in columns]
            lines.append(f"| {a} | {int(round(100 * f))} % | " + " | ".join(row) + " |")

    table(shown)
    if shown != rules:
        lines.extend(["", "All rules:", ""])
        table(rules)
    md = path.with_suffix(".md")
    md.write_text("\n".join(lines) + "\n")

    # SVG: grouped bars of final accuracy per case, one bar per rule
    colours = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"]
    bar, gap, height, left, top = 9, 14, 220, 40, 20
    group = bar * len(rules) + gap
    width = left + group * len(cases) + 160
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 120}" '
           f'font-family="sans-serif" font-size="10">',
           f'<text x="{left}" y="12">final accuracy per attack and rule ({path.stem})</text>']
    for tick in range(0, 101, 20):
        y = top + height - height * tick / 100
        svg.append(f'<line x1="{left}" y1="{y}" x2="{left + group * len(cases)}" y2="{y}" stroke="#ddd"/>')
        svg.append(f'<text x="{left - 4}" y="{y + 3}" text-anchor="end">{tick}</text>')
    for i, (a, f) in enumerate(cases):
        x0 = left + i * group
        for j, r in enumerate(rules):
            s = stats.get((a, f, r))
            if s is None:
                continue
            h = height * s["acc"]
            svg.append(f'<rect x="{x0 + j * bar}" y="{top + height - h:.1f}" width="{bar - 1}" '
                       f'height="{h:.1f}" fill="{colours[j % len(colours)]}"/>')
        label = a if a == "none" else f"{a} {int(round(100 * f))}%"
        svg.append(f'<text transform="translate({x0 + 4},{top + height + 8}) rotate(60)">{label}</text>')
    for j, r in enumerate(rules):
        y = top + 14 * j
        x = left + group * len(cases) + 20
        svg.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colours[j % len(colours)]}"/>')
        svg.append(f'<text x="{x + 14}" y="{y + 9}">{r}</text>')
    svg.append("</svg>")
    path.with_suffix(".svg").write_text("\n".join(svg) + "\n")
    print(md.read_text())


if __name__ == "__main__":
    main()
