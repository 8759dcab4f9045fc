"""Shared fixtures: the seed document, the parameter files, and cached model runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim import VillageModel, load_levers, load_world_parameters
from sim.parameters import ParameterSet

#: ``../shared/seed`` relative to the repository root.
SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"
SEED_FILE = SEED_DIR / "000_3a379779be2bbc52.txt"


@pytest.fixture(scope="session")
def seed_lines() -> list[str]:
    """Lines of the seed document; ``seed_lines[n - 1]`` is line ``Ln``."""
    if not SEED_FILE.is_file():
        pytest.skip(f"seed document not found at {SEED_FILE} (the shared folder sits beside the "
                    "repository); reference quotes cannot be checked without it")
    text = SEED_FILE.read_text(encoding="utf-8")
    return [line.rstrip("\r") for line in text.split("\n")]


@pytest.fixture(scope="session")
def levers() -> ParameterSet:
    """The lever file as shipped."""
    return load_levers()


@pytest.fixture(scope="session")
def world() -> ParameterSet:
    """The world-parameter file as shipped."""
    return load_world_parameters()


def run_table(**kwargs: Any) -> pd.DataFrame:
    """Run ``VillageModel(**kwargs)`` to its end; the outcome table without ``run_id``."""
    return VillageModel(**kwargs).run().drop(columns="run_id")


@pytest.fixture(scope="session")
def cached_run() -> Callable[..., pd.DataFrame]:
    """``cached_run(**kwargs)``: the outcome table of a run, computed once per session.

    Keyword values must be hashable (numbers, strings, booleans). The table
    is shared: callers must not modify it.
    """
    cache: dict[tuple, pd.DataFrame] = {}

    def get(**kwargs: Any) -> pd.DataFrame:
        key = tuple(sorted(kwargs.items()))
        if key not in cache:
            cache[key] = run_table(**kwargs)
        return cache[key]

    return get
