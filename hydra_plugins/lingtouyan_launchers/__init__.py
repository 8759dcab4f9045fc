"""Hydra launchers of Lingtouyan: every job checked first, then run in parallel, resumably.

``hydra/launcher=local`` (the default of ``sim-run``) runs the jobs on the local
cores in worker processes that import the model once; ``hydra/launcher=dask``
submits them to a ``dask.distributed`` cluster (an existing scheduler at
``hydra.launcher.address``, or a local cluster). See ``docs/SWEEPS.md``.
"""

from hydra_plugins.lingtouyan_launchers.launchers import (
    DaskLauncher,
    DaskLauncherConf,
    LocalLauncher,
    LocalLauncherConf,
)

__all__ = ["DaskLauncher", "DaskLauncherConf", "LocalLauncher", "LocalLauncherConf"]
