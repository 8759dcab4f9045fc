"""sim-aggregate: a sweep's job directories become one tidy Parquet dataset, streamed."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from lingtouyan import aggregate as agg
from sim.errors import ConfigError

PAY = "policy.pay_floor.multiple"
MEASURES = ("secretary_quit_rate_per_year", "secretary_vacancy_rate")
DATES = ("2010-01", "2010-02", "2010-03")


def make_job(path: Path, overrides: list[str], seed: int, *, scale: float = 0.01, offset: float = 0.0,
             region: bool = False, scenario: str = "as_reported") -> None:
    path.mkdir(parents=True)
    rows = [{"run_id": path.name, "scenario": scenario, "seed": seed, "date": d, "measure": m,
             "value": offset + 0.01 * i + (0.5 if m.endswith("vacancy_rate") else 0.0)}
            for i, d in enumerate(DATES) for m in MEASURES]
    table = pd.DataFrame(rows)
    if region:
        table = pd.concat([table.assign(region="national"), table.assign(region="east")])
    table.to_parquet(path / "outcomes.parquet", index=False)
    document = {"run_id": path.name, "command": "sim-run " + " ".join(overrides),
                "overrides": overrides, "scale": scale, "seed": seed, "scenario": scenario,
                "policy": {"pay_floor": {"multiple": 1.75}}, "param": {}}
    (path / "config.yaml").write_text(yaml.safe_dump(document))
    (path / "seed.txt").write_text(f"{seed}\n")


@pytest.fixture
def sweep(tmp_path):
    root = tmp_path / "sweep"
    job = 0
    for multiple in (1.0, 2.0):
        for seed in (0, 1):
            make_job(root / str(job), [f"{PAY}={multiple}", f"seed={seed}", "scale=0.01"], seed,
                     offset=multiple)
            job += 1
    (root / ".5").mkdir()                      # a job still being written
    (root / "6").mkdir()                       # a job that failed part-way
    (root / "6" / "seed.txt").write_text("0\n")
    return root


def test_the_dataset_has_the_documented_columns_and_values(sweep):
    summary = agg.aggregate(sweep)
    assert summary["jobs"] == 4 and summary["skipped"] == {"hidden": 1, "incomplete": 1}
    table = pd.read_parquet(sweep / "sweep.parquet")
    assert list(table.columns) == [PAY, *agg.TABLE_COLUMNS]
    assert len(table) == 4 * len(DATES) * len(MEASURES) == summary["rows"]
    assert table[PAY].dtype == "float64" and table["seed"].dtype == "int64"
    assert (table["region"] == "national").all() and (table["draw"] == 0).all()
    # pandas 2 reads object, pandas 3 the str dtype: both compare as text
    assert set(table["measure"].astype(str)) == set(MEASURES)
    row = table[(table[PAY] == 2.0) & (table["seed"] == 1) & (table["date"] == "2010-02")
                & (table["measure"] == MEASURES[0])]
    assert row["value"].tolist() == [pytest.approx(2.01)]
    assert "scale" not in table.columns  # the same in every job: not a swept column


def test_a_key_only_some_jobs_set_gets_its_resolved_value(tmp_path):
    root = tmp_path / "sweep"
    make_job(root / "0", ["seed=0"], 0)
    make_job(root / "1", [f"{PAY}=2.5", "seed=0"], 0)
    agg.aggregate(root)
    table = pd.read_parquet(root / "sweep.parquet")
    assert sorted(table[PAY].unique()) == [1.75, 2.5]


def test_regions_pass_through_and_text_values_stay_text(tmp_path):
    root = tmp_path / "sweep"
    make_job(root / "0", ["scenario=as_reported", "policy.x.by_province={Anhui:5}"], 0, region=True)
    make_job(root / "1", ["scenario=no_yiding_sanyou", "policy.x.by_province={Anhui:9}"], 0,
             region=True, scenario="no_yiding_sanyou")
    agg.aggregate(root)
    table = pd.read_parquet(root / "sweep.parquet")
    assert set(table["region"]) == {"national", "east"}
    assert set(table["scenario"]) == {"as_reported", "no_yiding_sanyou"}
    assert set(table["policy.x.by_province"]) == {"{Anhui:5}", "{Anhui:9}"}
    assert "scenario" not in [c for c in table.columns if c.startswith("policy")]


def test_draws_come_from_the_sweepers_draws_file(tmp_path):
    root = tmp_path / "sweep"
    root.mkdir()
    (root / "draws.csv").write_text("draw,param.secretary.quit_slope\n0,0.3\n1,0.9\n")
    job = 0
    for slope in ("0.3", "0.9"):
        for seed in (0, 1):
            make_job(root / str(job), [f"seed={seed}", f"param.secretary.quit_slope={slope}"], seed)
            job += 1
    summary = agg.aggregate(root)
    table = pd.read_parquet(root / "sweep.parquet")
    by_draw = table.groupby("draw")["param.secretary.quit_slope"].unique()
    assert by_draw.loc[0].tolist() == [0.3] and by_draw.loc[1].tolist() == [0.9]
    assert summary["draws"] == 2 and summary["drawn"] == ["param.secretary.quit_slope"]


def test_jobs_are_streamed_in_row_groups_and_files(sweep, monkeypatch):
    sizes = []
    real = agg._flush

    def spy(writer, buffer, *args):
        sizes.append(sum(t.num_rows for t in buffer))
        return real(writer, buffer, *args)

    monkeypatch.setattr(agg, "_flush", spy)
    monkeypatch.setattr(agg, "ROWS_PER_GROUP", 6)   # one job's rows
    monkeypatch.setattr(agg, "ROWS_PER_FILE", 12)   # two jobs per file
    summary = agg.aggregate(sweep)
    assert sizes == [6, 6, 6, 6]                    # never more than a job in memory
    parts = sorted((sweep / "sweep.parquet").glob("part-*.parquet"))
    assert summary["files"] == len(parts) == 2
    assert sum(pq.ParquetFile(p).metadata.num_row_groups for p in parts) == 4
    assert len(pd.read_parquet(sweep / "sweep.parquet")) == 24


def test_it_replaces_its_own_output_but_never_a_foreign_one(sweep, tmp_path):
    agg.aggregate(sweep)
    agg.aggregate(sweep)  # its own: replaced
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    with pytest.raises(ConfigError, match="was not written by sim-aggregate"):
        agg.aggregate(sweep, foreign)
    assert (foreign / "notes.txt").read_text() == "keep"


def test_command_line_errors_are_one_line_with_status_2(tmp_path):
    exe = Path(sys.executable).with_name("sim-aggregate")
    result = subprocess.run([str(exe), str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == f"sim-aggregate: error: DIR: no such directory: {tmp_path / 'nowhere'}"
    (tmp_path / "empty").mkdir()
    result = subprocess.run([str(exe), str(tmp_path / "empty")], capture_output=True, text=True)
    assert result.returncode == 2 and "holds no finished job directory" in result.stderr
    assert not (tmp_path / "empty" / "sweep.parquet").exists()
