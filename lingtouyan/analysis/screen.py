"""Pick the factors for Sobol from a Morris screen: the largest μ* for one outcome.

``python -m lingtouyan.analysis.screen DIR OUTCOME K`` prints the ``K``
factor keys of the Morris result in ``DIR`` with the largest μ* for
``OUTCOME``, comma-separated (what ``sim-analyse sensitivity --keys`` takes).
Morris costs ``r (k + 1)`` runs and Sobol ``N (k + 2)``: screening first and
computing Sobol indices on the factors that matter is the usual economy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def top_factors(result_dir: str | Path, outcome: str, k: int) -> list[str]:
    """The ``k`` factors with the largest μ* for ``outcome`` in a Morris result directory.

    Raises:
        ValueError: if the directory holds no Morris result or not that outcome.
    """
    result_dir = Path(result_dir)
    meta = json.loads((result_dir / "analysis.json").read_text(encoding="utf-8"))
    if meta.get("method") != "morris":
        raise ValueError(f"{result_dir}: not a Morris result")
    indices = pd.read_csv(result_dir / "indices.csv")
    t = indices[indices["outcome"] == outcome]
    if t.empty:
        raise ValueError(f"{result_dir}: no outcome {outcome!r}")
    return list(t.sort_values("mu_star", ascending=False)["factor"].head(k))


if __name__ == "__main__":
    print(",".join(top_factors(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
