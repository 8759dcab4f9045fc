"""Lingtouyan (领头雁): an agent-based model of incentive policies for village cadres in China.

The public API::

    from sim import VillageModel
    model = VillageModel(scale=0.01, seed=1, pay_floor_multiple=1.2)
    table = model.run()          # tidy outcomes: run_id, scenario, seed, date, measure, value
"""

from typing import TYPE_CHECKING

from sim.config import RunConfig, resolve, scenario_names
from sim.errors import ConfigError, DataFileError
from sim.parameters import ParameterSet, load_levers, load_world_parameters

if TYPE_CHECKING:
    from sim.model import VillageModel


def __getattr__(name: str):
    # Mesa takes about a second to import; tools that only validate a
    # configuration (e.g. sim-run on bad input) need not pay for it.
    if name == "VillageModel":
        from sim.model import VillageModel

        return VillageModel
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = [
    "ConfigError", "DataFileError", "ParameterSet", "RunConfig", "VillageModel", "load_levers",
    "load_world_parameters", "resolve", "scenario_names",
]
