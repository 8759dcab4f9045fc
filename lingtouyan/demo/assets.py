"""The browser files of the page, served from this machine: a classroom needs no internet.

Solara's page loads its JavaScript (Vuetify, require.js, Vega) through the
server's CDN proxy, whose cache the ``solara-assets`` package fills at
install time with pinned versions (``vega@5.21.0``...). Solara's Vega-Lite
widget asks for the version ranges ``vega@5``, ``vega-lite@5`` and
``vega-embed@6``, which are not in that cache, so offline the charts would
never load. :func:`prepare_cdn_dir` builds a cache directory of our own:
links to every package of the installed cache, plus links from the ranges
to the installed versions. Nothing in the installed cache is changed.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path

#: Ranges Solara's widgets request, and the package whose installed version serves each.
RANGES = {"vega@5": "vega", "vega-lite@5": "vega-lite", "vega-embed@6": "vega-embed"}


def installed_cdn_dir() -> Path | None:
    """The cache ``solara-assets`` installed (``<prefix>/share/solara/cdn``), if any."""
    for prefix in (sys.prefix, sys.base_prefix, "/usr/local", "/usr"):
        path = Path(prefix) / "share" / "solara" / "cdn"
        if (path / "requirejs@2.3.6").is_dir():
            return path
    return None


@functools.cache
def served_version(package: str) -> str | None:
    """The version of ``package`` the page's Vega-Lite widget loads offline (its major range's newest)."""
    wanted = next((w for w, p in RANGES.items() if p == package), None)
    source = installed_cdn_dir()
    if wanted is None or source is None:
        return None
    newest = _newest(source, wanted)
    return newest.name.rsplit("@", 1)[1] if newest else None


def _newest(source: Path, wanted: str) -> Path | None:
    """The installed package directory that serves the range ``wanted`` (``vega@5``): its newest."""
    package, major = wanted.rsplit("@", 1)
    versions = sorted((p for p in source.glob(f"{package}@{major}.*") if p.is_dir()),
                      key=lambda p: _version_key(p.name))
    return versions[-1] if versions else None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", name.rsplit("@", 1)[1]))


def prepare_cdn_dir(target: Path, source: Path | None = None) -> Path:
    """Fill ``target`` with links to the installed browser packages and their version ranges.

    Only links are created; an existing link or file of the same name is left
    as it is.

    Raises:
        FileNotFoundError: when no installed cache is found (``solara-assets`` missing).
    """
    source = source or installed_cdn_dir()
    if source is None:
        raise FileNotFoundError("the browser files of solara-assets are not installed "
                                "(pip install solara-assets, a dependency of lingtouyan)")
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir()):
        if entry.is_dir() and entry.name.startswith("@"):
            scope = target / entry.name
            scope.mkdir(exist_ok=True)
            for package in sorted(entry.iterdir()):
                _link(package, scope / package.name)
        elif entry.is_dir():
            _link(entry, target / entry.name)
    for wanted in RANGES:
        newest = _newest(source, wanted)
        if newest is not None:
            _link(newest, target / wanted)
    return target


def _link(source: Path, link: Path) -> None:
    if not link.exists() and not link.is_symlink():
        os.symlink(source, link, target_is_directory=True)


__all__ = ["RANGES", "installed_cdn_dir", "prepare_cdn_dir", "served_version"]
