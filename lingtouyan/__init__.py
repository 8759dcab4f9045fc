"""Command-line entry points of the project: ``sim-run`` (Hydra) and ``sim-bench``.

The model itself lives in :mod:`sim` and never imports Hydra or OmegaConf;
these entry points turn a configuration into plain keyword arguments.
"""
