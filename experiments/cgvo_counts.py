"""The CGVO stock in post and the yearly recruits of the calibrated model, beside two external counts.

::

    python experiments/cgvo_counts.py               # seeds 1-8 at scale 0.01
    python experiments/cgvo_counts.py --seeds 4     # fewer seeds

The external counts (docs/CALIBRATION.md, "Fitted values") are not targets:
a survey of the programme at the end of 2008 (胡跃高, 2009 report, as reported
by China News Service on 2009-04-21) and the Youth League's count at the end
of 2010 (Xinhua, 2010-12-26). The script prints, for each year, the model's
stock at December and recruits over the year: the mean over seeds and the
5-95% range. Run it from the repository root with the project installed.
"""

from __future__ import annotations

import argparse

import pandas as pd

from sim.model import VillageModel

#: External counts, for the printed table only: (quantity, year) -> count.
EXTERNAL = {("in_post", 2008): "more than 130,000", ("recruits", 2008): "66,856",
            ("in_post", 2010): "about 200,000", ("recruits", 2010): "about 36,000"}


def counts(seed: int, scale: float) -> dict[tuple[str, int], float]:
    """One run's stock in post each December and recruits each year, 2008-2011."""
    table = VillageModel(scale=scale, end="2012-06", seed=seed).run()
    wide = table.pivot_table(index="date", columns="measure", values="value")
    out = {}
    for year in range(2008, 2012):
        out["in_post", year] = float(wide.loc[f"{year}-12", "cgvo_in_post"])
        out["recruits", year] = float(wide.loc[f"{year}-01":f"{year}-12", "cgvo_recruits_per_month"].sum())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds 1..N (default 8)")
    parser.add_argument("--scale", type=float, default=0.01, help="share of villages simulated")
    args = parser.parse_args(argv)
    runs = pd.DataFrame([counts(s, args.scale) for s in range(1, args.seeds + 1)])
    print(f"| quantity | year | model mean | 5-95% over {args.seeds} seeds | external count |")
    print("|---|---|---|---|---|")
    for quantity, year in runs.columns:
        col = runs[(quantity, year)]
        print(f"| {quantity.replace('_', ' ')} | {year} | {col.mean():,.0f} | "
              f"{col.quantile(0.05):,.0f}-{col.quantile(0.95):,.0f} | {EXTERNAL.get((quantity, year), '')} |")


if __name__ == "__main__":
    main()
