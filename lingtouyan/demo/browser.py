"""The classroom page in a real browser: ``sim-demo`` served, opened in headless Chromium.

Shared by ``tests/test_demo_browser.py`` and ``sim-bench --demo --browser``:

- :func:`serve` starts ``sim-demo`` on a free port of 127.0.0.1 and stops it;
- :func:`open_page` opens a fresh headless Chromium page (Debian's
  ``/usr/bin/chromium``, or ``CHROMIUM``, driven by Playwright) on a new
  temporary profile, recording the console;
- :func:`measure_playing` presses Play and times how fast the page's month
  label advances, as the class sees it.

:func:`require_browser` raises :class:`BrowserMissingError`, saying which is
missing, when Chromium or the ``playwright`` package is not installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from lingtouyan.demo.model import DEMO_END

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: Chromium's flags: no sandbox (containers), no GPU, nothing fetched from the network on its own.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run"]
#: The projector's size the page is opened at.
VIEWPORT = {"width": 1600, "height": 900}
TIMEOUT_MS = 45_000
#: The page's month label: the last month simulated, ``YYYY-MM``.
MONTH_LABEL = ".demo-month"
#: Drawn once the page is up: the panels' reference line and the map.
READY_SELECTORS = (".demo-panels g.p0_ref_marks path", ".demo-map canvas")


class BrowserMissingError(RuntimeError):
    """Chromium or the ``playwright`` package is not installed."""


def require_browser() -> Any:
    """Playwright's sync API, once Chromium and Playwright are both found; else :class:`BrowserMissingError`."""
    try:
        from playwright import sync_api
    except ImportError:
        raise BrowserMissingError("playwright is not installed (pip install -e '.[test]')") from None
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise BrowserMissingError(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    return sync_api


def free_port(host: str = "127.0.0.1") -> int:
    """A port of ``host`` free now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(lang: str = "en", start_timeout_s: float = 60) -> Iterator[str]:
    """``sim-demo --lang LANG`` on a free port of 127.0.0.1, yielding its address; stopped on exit.

    The server runs in a session of its own, so that a Ctrl-C reaches this
    process only, which then stops the server (rather than the server dying
    under it while it starts).
    Raises :class:`RuntimeError` (with the server's output) if it exits or
    does not answer within ``start_timeout_s``.
    """
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "lingtouyan.demo.cli", "--lang", lang, "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"sim-demo exited with {process.returncode}:\n{process.stdout.read()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"sim-demo did not answer at {url} within {start_timeout_s:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@contextlib.contextmanager
def open_page(profile_dir: str | None = None) -> Iterator[Any]:
    """A fresh headless Chromium page at a projector's size; closed on exit.

    The page's ``console`` attribute lists ``(type, text)`` of every console
    message and uncaught exception. Playwright refuses ``--user-data-dir``,
    so the profile is a persistent context on ``profile_dir`` (a new
    temporary directory, removed afterwards, if none is given).
    """
    sync_api = require_browser()
    with contextlib.ExitStack() as stack:
        if profile_dir is None:
            profile_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="lingtouyan-chromium-"))
        playwright = stack.enter_context(sync_api.sync_playwright())
        context = playwright.chromium.launch_persistent_context(
            profile_dir, executable_path=CHROMIUM, headless=True, args=FLAGS, viewport=VIEWPORT)
        stack.callback(_close, context)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.console = []
        page.on("console", lambda message: page.console.append((message.type, message.text)))
        page.on("pageerror", lambda error: page.console.append(("pageerror", str(error))))
        yield page


def _close(context: Any) -> None:
    """Close the browser, which may be gone already (a Ctrl-C reaches Playwright's driver too)."""
    try:
        context.close()
    except Exception as error:  # Playwright's TargetClosedError, or its driver's closed pipe
        if "closed" not in str(error).lower():
            raise


def wait_ready(page: Any, url: str) -> None:
    """Load the page at ``url`` and wait until its panels and map are drawn."""
    page.goto(url)
    for selector in READY_SELECTORS:
        page.wait_for_selector(selector, state="attached")


def month_label(page: Any) -> str:
    """The month the page shows, ``YYYY-MM``."""
    return page.locator(MONTH_LABEL).inner_text().strip()


def _month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


#: Records, in the page, each change of the month label with its time (``performance.now()``, ms);
#: a redraw may replace the label's element, so the whole document is observed.
_WATCH_LABEL = """(selector) => {
    const seen = window.__demoMonths = [];
    const read = () => {
        const el = document.querySelector(selector);
        const text = el ? el.textContent.trim() : null;
        if (text && (seen.length === 0 || seen[seen.length - 1][1] !== text)) seen.push([performance.now(), text]);
    };
    read();
    new MutationObserver(read).observe(document.body, {subtree: true, childList: true, characterData: true});
    return performance.now();
}"""

_REACHED = "(end) => { const seen = window.__demoMonths; return seen.length && seen[seen.length - 1][1] === end; }"


def measure_playing(page: Any, max_seconds: float = 120.0, end: str = DEMO_END) -> dict[str, Any]:
    """Press Play on a loaded page and time its month label until ``end`` (or ``max_seconds``).

    Returns the months the label advanced, the wall time from the press to
    the last month seen (or to ``max_seconds``, if the run had not ended),
    their ratio ``months_per_s``, and ``redraws``: the label's changes seen.
    """
    start_month = month_label(page)
    clicked = page.evaluate(_WATCH_LABEL, MONTH_LABEL)
    page.get_by_role("button", name="▶", exact=True).click()
    finished = True
    try:
        page.wait_for_function(_REACHED, arg=end, timeout=max_seconds * 1000, polling=200)
    except Exception as error:  # Playwright's TimeoutError: the bound was reached first
        if "Timeout" not in type(error).__name__:
            raise
        finished = False
    now = page.evaluate("performance.now()")
    seen = page.evaluate("window.__demoMonths")
    with contextlib.suppress(Exception):
        if not finished:
            page.get_by_role("button", name="❚❚", exact=True).click()
    last_t, last_month = seen[-1]
    seconds = ((last_t if finished else now) - clicked) / 1000
    months = _month_index(last_month) - _month_index(start_month)
    return {"start": start_month, "last": last_month, "ended": finished, "months": months,
            "seconds": seconds, "months_per_s": months / seconds if seconds > 0 else 0.0,
            "redraws": sum(1 for _, month in seen if month != start_month)}


def browser_benchmark(max_seconds: float = 120.0, lang: str = "en") -> dict[str, Any]:
    """``sim-demo`` served and opened in headless Chromium, Play pressed: months per second the class sees."""
    require_browser()
    started = time.perf_counter()
    with serve(lang) as url, open_page() as page:
        wait_ready(page, url)
        load_s = time.perf_counter() - started
        result = measure_playing(page, max_seconds)
    result.update(load_s=load_s, max_seconds=max_seconds, target_months_per_s=5.0)
    return result


def format_browser_report(result: dict[str, Any]) -> str:
    """The browser figure as a line of text, like :func:`lingtouyan.demo.bench.format_demo_report`'s."""
    verdict = "pass" if result["months_per_s"] >= result["target_months_per_s"] else "FAIL"
    how = "to the run's end" if result["ended"] else f"stopped at the {result['max_seconds']:.0f} s bound"
    return (f"  page in headless Chromium: {result['months_per_s']:.1f} months/s "
            f"(target >= {result['target_months_per_s']:.0f}: {verdict}); {result['start']}..{result['last']}, "
            f"{result['months']} months in {result['seconds']:.1f} s {how}, {result['redraws']} redraws seen; "
            f"server start and page load {result['load_s']:.1f} s")


__all__ = [
    "CHROMIUM",
    "FLAGS",
    "BrowserMissingError",
    "browser_benchmark",
    "format_browser_report",
    "free_port",
    "measure_playing",
    "month_label",
    "open_page",
    "require_browser",
    "serve",
    "wait_ready",
]
