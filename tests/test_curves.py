"""sim-curves: bands over seeds and draws, target marks, figures in both languages."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lingtouyan import curves
from sim.calibration.targets import load_targets
from sim.errors import ConfigError

PAY = "policy.pay_floor.multiple"
QUIT = "secretary_quit_rate_per_year"
DATES = [f"{y}-{m:02d}" for y in (2010, 2011, 2012) for m in range(1, 13)]


def _table(tmp_path: Path, draws=(0,), seeds=(0, 1, 2, 3), scenarios=("as_reported",),
           measures=(QUIT, "county_share_pay_floor")) -> Path:
    rng = np.random.default_rng(0)
    rows = []
    for scenario in scenarios:
        for multiple in (1.0, 1.5, 2.0, 2.5):
            for draw in draws:
                for seed in seeds:
                    noise = rng.normal(0, 0.002)
                    for measure in measures:
                        base = 0.08 - 0.02 * multiple + 0.01 * draw + noise if measure == QUIT else 0.95
                        rows += [{PAY: multiple, "draw": draw, "scenario": scenario, "seed": seed,
                                  "date": d, "measure": measure, "region": "national", "value": base,
                                  "run_id": f"{multiple}-{draw}-{seed}"} for d in DATES]
    out = tmp_path / "sweep.parquet"
    out.mkdir()
    pd.DataFrame(rows).to_parquet(out / "part-00000.parquet", index=False)
    return out


def test_bands_separate_seed_noise_from_parameter_draws():
    rows = [{"x": 1.0, "draw": d, "seed": s, "value": 10.0 * d + e}
            for d in (0, 1) for s, e in enumerate((-1.0, 0.0, 1.0))]
    band = curves.bands(pd.DataFrame(rows), "x")
    assert band.mean.tolist() == [5.0]
    # each job lies -1, 0 or +1 from its draw's mean: the seed band is mean + [5%, 95%] of those
    assert band.seed_low[0] == pytest.approx(4.0) and band.seed_high[0] == pytest.approx(6.0)
    assert band.draw_low[0] == pytest.approx(0.5) and band.draw_high[0] == pytest.approx(9.5)
    within, between = 1.0, 50.0 - 1.0 / 3
    assert band.draw_share[0] == pytest.approx(between / (between + within))


def test_without_draws_the_band_is_over_seeds():
    rows = [{"x": 2.0, "draw": 0, "seed": s, "value": float(s)} for s in range(21)]
    band = curves.bands(pd.DataFrame(rows), "x")
    assert band.draw_low is None and band.draws == 1
    assert (band.seed_low[0], band.seed_high[0]) == (pytest.approx(1.0), pytest.approx(19.0))


def test_panels_use_the_targets_statistic_and_mark_only_matching_targets():
    targets = load_targets()
    stat = curves.statistic_for("county_share_pay_floor", "auto", None, targets)
    assert (stat.kind, stat.start, stat.end) == ("last", "2012-06", "2012-06")
    assert [t.id for t in curves.matching_targets("county_share_pay_floor", stat, targets)] == [
        "county_share_pay_floor"]
    other = curves.statistic_for("county_share_pay_floor", "mean", ("2010-01", "2012-12"), targets)
    assert curves.matching_targets("county_share_pay_floor", other, targets) == []
    quit_stat = curves.statistic_for(QUIT, "auto", None, targets)
    assert (quit_stat.kind, quit_stat.start, quit_stat.end) == ("mean", "2010-01", "2012-12")


def test_effect_survival_counts_draws_that_agree():
    rows = [{"x": x, "draw": d, "seed": 0, "value": (-1.0 if d < 3 else 0.5) * x}
            for d in range(4) for x in (1.0, 2.0)]
    effect, agree, n = curves.effect_survival(pd.DataFrame(rows), "x")
    assert (agree, n) == (3, 4) and effect == pytest.approx((-1 * 3 + 0.5) / 4)
    flat = [{"x": x, "draw": d, "seed": 0, "value": 1.0} for d in range(2) for x in (1.0, 2.0)]
    assert curves.effect_survival(pd.DataFrame(flat), "x")[1] == 0


def test_one_sided_targets_are_drawn_as_bounds(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.calibration.targets import Target

    at_least = Target(id="t", measure=QUIT, statistic="stock", role="fit", report="r", reference={},
                      tolerance=("abs", 0.0), date="2012-06", low=0.5)
    at_most = Target(id="t", measure=QUIT, statistic="stock", role="fit", report="r", reference={},
                     tolerance=("abs", 0.0), date="2012-06", high=0.5)
    fig, ax = plt.subplots()
    assert curves._draw_target(ax, 1.0, at_least, 1.0, "en")[0] == "reported_at_least"
    assert curves._draw_target(ax, 1.0, at_most, 1.0, "en")[0] == "reported_at_most"
    two_sided = Target(id="u", measure=QUIT, statistic="stock", role="fit", report="r", reference={},
                       tolerance=("abs", 0.0), date="2012-06", value=0.5, low=0.4, high=0.6)
    assert curves._draw_target(ax, 1.0, two_sided, 1.0, "en")[0] == "reported"
    plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_curves_with_draws_and_two_scenarios_write_png_and_svg(tmp_path, lang, capsys):
    table = _table(tmp_path, draws=(0, 1, 2), scenarios=("as_reported", "no_yiding_sanyou"))
    stem = tmp_path / "fig" / f"quit_{lang}"
    assert curves.run([str(table), "--measure", QUIT, "county_share_pay_floor", "--lang", lang,
                       "--out", str(stem)]) == 0
    assert stem.with_suffix(".png").stat().st_size > 10_000
    assert "<svg" in stem.with_suffix(".svg").read_text()[:2000]
    printed = capsys.readouterr().out
    assert "parameter draws dominate" in printed and "same sign in 3/3 draws" in printed


def test_fan_chart_of_one_point(tmp_path):
    table = _table(tmp_path)
    stem = tmp_path / "fan"
    assert curves.run([str(table), "--kind", "fan", "--where", f"{PAY}=1.5", "--measure",
                       "county_share_pay_floor", QUIT, "--out", str(stem)]) == 0
    assert stem.with_suffix(".png").exists() and stem.with_suffix(".svg").exists()
    with pytest.raises(ConfigError, match=r"fix policy\.pay_floor\.multiple with --where"):
        curves.run([str(table), "--kind", "fan", "--out", str(stem)])


@pytest.mark.parametrize("args, message", [
    (["--measure", "nope"], "--measure: unknown measure 'nope'"),
    (["--x", "policy.nope"], "--x: 'policy.nope' is not a swept key"),
    (["--lang", "fr"], "lang: must be one of en, zh"),
    (["--kind", "pie"], "--kind: must be one of curve, fan"),
    (["--window", "2012-12..2010-01"], "END must not be before START"),
    (["--where", f"{PAY}=9"], "no job has policy.pay_floor.multiple=9"),
    (["--scenario", "other"], "'other' is not in the table"),
])
def test_bad_options_are_one_clear_error(tmp_path, args, message):
    table = _table(tmp_path)
    with pytest.raises(ConfigError, match=re.escape(message)):
        curves.run([str(table), "--out", str(tmp_path / "x"), *args])


def test_command_line_error_exits_2(tmp_path):
    exe = Path(sys.executable).with_name("sim-curves")
    result = subprocess.run([str(exe), str(tmp_path / "none")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == f"sim-curves: error: table: no such file or directory: {tmp_path / 'none'}"


def test_curves_by_region(tmp_path):
    table = _table(tmp_path)
    frame = pd.read_parquet(table)
    east = frame.assign(region="east", value=frame["value"] * 1.1)
    (table / "part-00000.parquet").unlink()
    pd.concat([frame, east]).to_parquet(table / "part-00000.parquet", index=False)
    stem = tmp_path / "regions"
    assert curves.run([str(table), "--by", "region", "--region", "all", "--out", str(stem)]) == 0
    assert stem.with_suffix(".png").exists()
    with pytest.raises(ConfigError, match="'west' is not in the table"):
        curves.run([str(table), "--region", "west", "--out", str(stem)])
