"""Lingtouyan (领头雁): an agent-based model of incentive policies for village cadres in China.

The public API::

    from sim import VillageModel
    model = VillageModel(scale=0.01, seed=1, pay_floor_multiple=1.2)
    table = model.run()          # tidy outcomes: run_id, scenario, seed, date, measure, value
"""

from sim.config import RunConfig, resolve, scenario_names
from sim.errors import ConfigError, DataFileError
from sim.model import VillageModel
from sim.parameters import ParameterSet, load_levers, load_world_parameters

__all__ = [
    "ConfigError", "DataFileError", "ParameterSet", "RunConfig", "VillageModel", "load_levers",
    "load_world_parameters", "resolve", "scenario_names",
]
