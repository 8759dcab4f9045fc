"""One declaration of ranges: the sweeper's draws, the cost curves and the EMA adapter agree on every shared key.

No model runs: the ranges are read from the data files and ``factors.yaml``.
"""

import pytest

from lingtouyan import designs
from lingtouyan.analysis import cost
from lingtouyan.analysis.factors import FACTORS_FILE, declare, load_factors
from lingtouyan.ranges import CALIBRATED_SPAN_SE, leaf_of
from sim.parameters import read_yaml

ema = pytest.importorskip("ema_workbench")


def _ema_bounds(key):
    from lingtouyan.ema import parameter

    p = parameter(key)
    return float(p.lower_bound), float(p.upper_bound)


def _factor_bounds(f):
    """A factor's range as the EMA adapter gives it (whole numbers inward for a whole-number leaf)."""
    import math

    return (float(math.ceil(f.low)), float(math.floor(f.high))) if f.integer else (f.low, f.high)


def test_the_cost_curves_vary_each_lever_over_its_declared_range():
    factors = cost.lever_factors()
    assert list(factors) == list(cost.LEVERS)
    for name, f in factors.items():
        assert f == declare(cost.LEVERS[name])
        assert f.reason != "the range the data file allows", f"{f.key}: no range of the study's own"
        assert _ema_bounds(f.key) == _factor_bounds(f)
        values = cost.lever_values([name], 4)[name]
        assert (values[0], values[-1]) == (f.low, f.high)
    # The instructors are declared for the cost curves but the sensitivity analysis varies them only on request.
    key = cost.LEVERS["instructors"]
    assert key not in {f.key for f in load_factors()}
    assert load_factors(keys=[key]) == [factors["instructors"]]


def test_the_sweepers_draws_and_the_declaration_agree_on_every_uncertain_parameter():
    params = designs.uncertain_parameters()
    entries = read_yaml(FACTORS_FILE)["factors"]
    for u in params:
        f = declare(u.key)
        assert f.integer == u.integer, u.key
        if u.kind == "assumed":
            # Drawn uniformly over the plausible range: the declared range is that range.
            assert (f.low, f.high) == (u.low, u.high), u.key
            assert (u.low, u.high) == tuple(map(float, leaf_of(u.key).plausible))
        else:
            # Drawn from the estimate and its standard error, within the search bounds: the declared
            # range is the estimate +- 2 se in the bounds where the factors file says so, else the bounds.
            assert (u.low, u.high) == tuple(map(float, leaf_of(u.key).bounds))
            if (entries.get(u.key) or {}).get("range") == "calibrated":
                span = CALIBRATED_SPAN_SE * u.se
                assert (f.low, f.high) == (max(u.low, u.value - span), min(u.high, u.value + span)), u.key
            else:
                assert (f.low, f.high) == (u.low, u.high), u.key
        assert _ema_bounds(u.key) == _factor_bounds(f)
    # Every parameter of the factors file is drawn by the sweeper too, so the loop covers it.
    assert {f.key for f in load_factors() if f.kind == "parameter"} <= {u.key for u in params}
