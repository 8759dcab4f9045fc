"""sim-bench's sweep and regions timings: the same points each way, ratios to the plain loop."""

from __future__ import annotations

import argparse
import json

import pytest

from lingtouyan import bench


def test_every_way_of_the_sweep_runs_the_same_points(tmp_path):
    commands = bench.sweep_commands(3, 4, 2, 0.002, tmp_path / "sweep")
    assert list(commands) == list(bench.SWEEP_VARIANTS)
    spec = json.loads(commands["plain"][1][-1])
    points = bench.sweep_points(spec["values"], spec["seeds"])
    assert len(points) == 12 and spec["jobs"] == 2 and spec["scale"] == 0.002
    multiples = sorted({m for m, _ in points})
    for key in ("basic", "local", "dask", "check"):
        command = commands[key][1]
        assert f"policy.pay_floor.multiple={','.join(f'{m:g}' for m in multiples)}" in command
        assert "seed=range(0,4)" in command and "scale=0.002" in command
    assert "hydra.launcher.n_jobs=2" in commands["local"][1]
    assert "hydra.launcher.n_workers=2" in commands["dask"][1]


def test_the_sweep_benchmark_times_the_loop_and_the_launcher_and_reports_ratios():
    report = bench.run_sweep_benchmark(1, 2, 1, 0.002, variants=["plain", "local", "check"])
    assert set(report["results"]) == {"plain", "local", "check"} and report["jobs"] == 2
    for figures in report["results"].values():
        assert figures["wall_s"] > 0 and figures["cpu_s"] > 0
    local, plain = report["results"]["local"], report["results"]["plain"]
    assert report["local_vs_plain"] == pytest.approx(local["wall_s"] / plain["wall_s"])
    assert report["per_job_overhead_cpu_s"] == pytest.approx((local["cpu_s"] - plain["cpu_s"]) / 2)
    text = bench.format_sweep_report(report)
    assert "plain loop over VillageModel (1 processes)" in text and "local launcher" in text
    assert ("[PASS]" in text) == report["passes"] and "of which sim-run's start" in text


def test_the_reference_of_the_ratios_cannot_be_left_out():
    with pytest.raises(argparse.ArgumentTypeError, match="including plain"):
        bench._variants("local,dask")
    with pytest.raises(argparse.ArgumentTypeError, match="choice of"):
        bench._variants("plain,fast")


def test_the_regions_benchmark_times_the_three_ways_in_pairs():
    report = bench.time_regions(0.002, 2)
    assert all(len(times) == 2 and min(times) > 0 for times in report["cpu_s"].values())
    assert set(report["ratio_to_default"]) == {"bookkeeping", "table"}
    assert all(ratio > 0 for ratio in report["ratio_to_default"].values())
    assert "regional table" in bench.format_regions_report(report)
