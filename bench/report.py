"""One line per figure, so scripts/bench can gather every benchmark into one table.

A benchmark prints its own tables for people and, when scripts/bench runs
it, also appends its figures to the file named by the environment variable
BENCH_REPORT, one JSON object per line:

    {"bench": "certificate_scan", "figure": "scan-verify / bare Flask", "measured": 0.52,
     "unit": "ratio", "baseline": 3293.0, "target": ">= 0.5", "ok": true}

`measured` and `baseline` are numbers in `unit`; `ratio` is added when both
are given and the figure is not itself a ratio; `target` is the target in
words ("<= 50 ms", ">= 10000 rows/s"); `ok` is whether it was met (None when
the figure has no target). Without BENCH_REPORT, figure() does nothing.
"""
from __future__ import annotations

import json
import os
import sys


def figure(figure: str, measured: float, unit: str, *, target: str = "", ok: bool | None = None,
           baseline: float | None = None, bench: str | None = None) -> None:
    path = os.environ.get("BENCH_REPORT")
    if not path:
        return
    row = {"bench": bench or os.path.splitext(os.path.basename(sys.argv[0]))[0], "figure": figure,
           "measured": measured, "unit": unit, "baseline": baseline, "target": target, "ok": ok}
    if baseline and unit != "ratio":
        row["ratio"] = measured / baseline
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
