"""sim-analyse: bad input stops with one line and nothing written; figures in both languages."""

from __future__ import annotations

import json

import matplotlib
import pandas as pd
import pytest

from lingtouyan.analysis import cli, plots


@pytest.mark.parametrize("argv, message", [
    (["sensitivity", "--seeds", "x"], "--seeds: must be whole numbers"),
    (["sensitivity", "--outcomes", "nope"], "outcome 'nope' unknown"),
    (["sensitivity", "--method", "sobol", "--n", "6"], "power of 2"),
    (["sensitivity", "--keys", "policy.pay_floor.nope"], "not in factors.yaml"),
    (["attribute", "--window", "2012"], "--window: must be FIRST:LAST"),
    (["cost", "--levers", "magic"], "lever 'magic' unknown"),
    (["cost", "--scale", "2"], "--scale: must be in (0, 1]"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert cli.main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sim-analyse: error:") and message in err[0]
    assert not out.exists()


def test_an_existing_directory_is_never_overwritten(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep")
    assert cli.main(["cost", "--out", str(tmp_path)]) == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert (tmp_path / "mine.txt").read_text() == "keep"
    assert cli.main(["plot", str(tmp_path)]) == 2


def test_a_small_cost_study_writes_tables_and_figures(tmp_path):
    out = tmp_path / "cost"
    figs = tmp_path / "figs"
    argv = ["cost", "--levers", "pension,pay_floor", "--levels", "2", "--seeds", "0", "--check", "1",
            "--scale", "0.001", "--end", "2009-06", "--window", "2009-01:2009-06", "--jobs", "2",
            "--out", str(out), "--figures", str(figs), "--quiet"]
    assert cli.main(argv) == 0
    meta = json.loads((out / "analysis.json").read_text())
    assert meta["runs"] == 4 + 1 and meta["argv"][0] == "sim-analyse" and meta["wall_seconds"] >= 0
    for name in ("runs.csv", "curves.csv", "frontier.csv", "frontier_check.csv"):
        assert (out / name).stat().st_size > 0
    if plots.cjk_font():
        assert sorted(p.name for p in figs.iterdir()) == [
            "analysis_cost_en.png", "analysis_cost_en.svg", "analysis_cost_zh.png", "analysis_cost_zh.svg"]


def test_chinese_labels_use_a_cjk_font():
    from matplotlib import font_manager

    if plots.cjk_font() is None:
        with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
            plots.style("zh")
        return
    plots.style("zh")
    path = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.family"]))
    assert "CJK" in path
    fig = matplotlib.figure.Figure()
    text = fig.text(0.5, 0.5, "村党支部书记辞职率")
    assert "CJK" in font_manager.findfont(text.get_fontproperties())


def test_sim_analyse_runs_on_the_dask_cluster_engine_as_locally(tmp_path):
    """The sweep backend on a local Dask cluster gives the rows of the local backend, value for value."""
    pytest.importorskip("distributed")
    from lingtouyan.analysis.evaluate import sweep_available

    if not sweep_available():
        pytest.skip("the sweeper plugin is not installed")
    common = ["sensitivity", "--method", "morris", "--n", "2", "--keys", "param.secretary.quit_slope",
              "--seeds", "0", "--outcomes", "quit_rate_per_year,fiscal_cost_yuan_per_year",
              "--scale", "0.001", "--end", "2009-06", "--window", "2009-01:2009-06", "--quiet"]
    dask = tmp_path / "dask"
    assert cli.main([*common, "--backend", "sweep", "--sweep-dir", str(tmp_path / "jobs"),
                     "--sweep-override", "hydra/launcher=dask", "--sweep-override", "hydra.launcher.n_workers=2",
                     "--out", str(dask)]) == 0
    local = tmp_path / "local"
    assert cli.main([*common, "--backend", "local", "--jobs", "2", "--out", str(local)]) == 0
    meta = json.loads((dask / "analysis.json").read_text())
    assert meta["runs"] == 2 * (1 + 1) and meta["backend"] == "sweep"
    assert "hydra/launcher=dask" in meta["sweep_overrides"]
    pd.testing.assert_frame_equal(pd.read_csv(dask / "runs.csv"), pd.read_csv(local / "runs.csv"))
    # The jobs ran on the cluster: one finished job directory per run.
    assert len([p for p in (tmp_path / "jobs" / "sweep").iterdir() if not p.name.startswith(".")]) >= 4
