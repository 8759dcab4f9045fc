"""The model's data files: levers, parameters, the province table, targets and scenarios.

A package (rather than a plain folder) so that the files are read as package
resources from any install, and so that the command line's Hydra finds the
``scenario/`` folder as its ``scenario`` config group through ``pkg://sim.data``.
"""
