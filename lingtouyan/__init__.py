"""Command-line entry points of the project: ``sim-run`` (Hydra) and ``sim-bench``.

The model itself lives in :mod:`sim` and never imports Hydra or OmegaConf;
these entry points turn a configuration into plain keyword arguments.
"""

from pathlib import Path as _Path


def _expose_hydra_plugins() -> None:
    """Let Hydra find the project's plugins (``hydra_plugins/``) in an editable install.

    Hydra discovers plugins by listing the modules of the ``hydra_plugins``
    namespace package; setuptools' editable installs map that namespace with
    a path hook that cannot list modules, so the checkout's directory is added
    to the namespace's path (a wheel installs it as a plain directory).
    """
    here = _Path(__file__).resolve().parent.parent / "hydra_plugins"
    if not here.is_dir():
        return
    try:
        import hydra_plugins
    except ImportError:
        return
    if str(here) not in list(hydra_plugins.__path__):
        hydra_plugins.__path__.append(str(here))


_expose_hydra_plugins()
