"""``sim-demo``: serve the classroom page on this machine and print its address.

Usage::

    sim-demo                   # Chinese labels, port 8765
    sim-demo --lang en --port 8800

The server listens on 127.0.0.1 only (the projecting computer); Ctrl+C stops
it. The browser files come from the installed ``solara-assets`` package, so
the page works without internet (:mod:`lingtouyan.demo.assets`).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lingtouyan.demo.labels import LANGUAGES

HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim-demo", description="Serve the classroom page of the model on 127.0.0.1 and print its address.")
    parser.add_argument("--lang", choices=LANGUAGES, default="zh",
                        help="language of the page's labels (default: zh; the page has a switch)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on, 1-65535 (default: {DEFAULT_PORT})")
    return parser


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether ``port`` can be bound on ``host`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the server will: a port whose old connections are closing is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def cdn_dir() -> Path:
    """The page's browser-file directory (links only; rebuilt if missing)."""
    return Path(tempfile.gettempdir()) / f"lingtouyan-demo-cdn-{os.getuid() if hasattr(os, 'getuid') else 0}"


def serve_environment(lang: str) -> dict[str, str]:
    """Environment for the Solara server of the page."""
    from lingtouyan.demo.app import LANG_ENV
    from lingtouyan.demo.assets import prepare_cdn_dir

    env = dict(os.environ)
    env[LANG_ENV] = lang
    env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(prepare_cdn_dir(cdn_dir()))
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["SOLARA_THEME_SHOW_BANNER"] = "False"  # its corner banner would cover a panel
    env.update(_base_jupyter_paths(env))
    return env


def _base_jupyter_paths(env: dict[str, str]) -> dict[str, str]:
    """The base interpreter's Jupyter directories, for a virtual environment that uses its packages.

    Solara's server finds the widget extensions to load in the Jupyter
    configuration (``<prefix>/etc/jupyter``) and serves their browser files
    from the Jupyter data directory (``<prefix>/share/jupyter``). A virtual
    environment made with ``--system-site-packages`` has neither when the
    widgets are installed in its base interpreter, and the page then fails;
    the base interpreter's directories are added after any the user set
    (``JUPYTER_CONFIG_PATH``, ``JUPYTER_PATH``).
    """
    if sys.prefix == sys.base_prefix:
        return {}
    out = {}
    for variable, directory in (("JUPYTER_CONFIG_PATH", ("etc", "jupyter")),
                                ("JUPYTER_PATH", ("share", "jupyter"))):
        base = Path(sys.base_prefix, *directory)
        if not base.is_dir():
            continue
        paths = [p for p in env.get(variable, "").split(os.pathsep) if p]
        if str(base) not in paths:
            paths.append(str(base))
        out[variable] = os.pathsep.join(paths)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sim-demo``."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port: must be in 1-65535, got {args.port}")
    if not port_is_free(args.port):
        parser.error(f"--port: port {args.port} is in use on {HOST}; choose another with --port N")
    try:
        env = serve_environment(args.lang)
    except FileNotFoundError as error:
        print(f"sim-demo: error: {error}", file=sys.stderr)
        return 2
    print(f"sim-demo: the classroom page is at http://{HOST}:{args.port}/ (Ctrl+C stops it)", flush=True)
    command = [sys.executable, "-m", "solara", "run", "lingtouyan.demo.app", "--host", HOST,
               "--port", str(args.port), "--production", "--no-open", "--log-level", "warning"]
    os.execvpe(command[0], command, env)
    return 0  # pragma: no cover - execvpe does not return


if __name__ == "__main__":
    sys.exit(main())
