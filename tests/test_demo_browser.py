"""The classroom page in a real browser: ``sim-demo`` served, opened in headless Chromium.

One test walks through what a teacher does: the page renders with no
console error, a lever's slider moved and the model reset changes the
plotted line (the quit rate's, read from the panels' SVG), play advances the
month, the language switch shows Chinese labels (in a CJK font). A
screenshot is saved where ``LINGTOUYAN_ARTIFACTS`` points (else in pytest's
temporary directory) and its path printed.

It needs Debian's Chromium (``/usr/bin/chromium``, or ``CHROMIUM``) and the
``playwright`` package (the test extra); without either it is skipped, saying
which. ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run"]
#: The lever slider the test moves, found by its label (not Mesa's own play/render sliders).
PAY_FLOOR_EN, PAY_FLOOR_ZH = "Pay floor (× income)", "报酬底线（×人均收入）"
#: The plotted line the test reads: the quit rate's run (panel 0), a path in the panels' SVG.
RUN_LINE = ".demo-panels g.p0_run_marks path"
REFERENCE_LINE = ".demo-panels g.p0_ref_marks path"
TIMEOUT_MS = 45_000

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install -e '.[test]')")
if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``sim-demo --lang en`` on a free port of 127.0.0.1; stopped after the test."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "lingtouyan.demo.cli", "--lang", "en", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"sim-demo exited with {process.returncode}:\n{process.stdout.read()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"sim-demo did not answer at {url} within 60 s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture()
def page(tmp_path):
    """A fresh headless Chromium page at a projector's size, recording console messages."""
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1600, "height": 900})
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.console = []  # (type, text) of every console message, and uncaught exceptions
            page.on("console", lambda message: page.console.append((message.type, message.text)))
            page.on("pageerror", lambda error: page.console.append(("pageerror", str(error))))
            yield page
        finally:
            context.close()


def _month(page) -> str:
    return page.locator(".demo-month").inner_text().strip()


def _wait_month(page, predicate, what: str) -> str:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not predicate(month := _month(page)):
        if time.monotonic() > deadline:
            pytest.fail(f"the month label stayed at {month}, expected {what}")
        page.wait_for_timeout(100)
    return month


def _run_line(page) -> str:
    """The quit-rate line's SVG path, once the panels draw one (none before the first step)."""
    line = page.locator(RUN_LINE)
    line.first.wait_for(state="attached")
    return line.first.get_attribute("d")


def _no_run_line(page) -> None:
    page.wait_for_function("(selector) => document.querySelectorAll(selector).length === 0", arg=RUN_LINE)


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def _artifact_dir(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("LINGTOUYAN_ARTIFACTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def test_the_page_renders_responds_to_a_lever_plays_and_speaks_chinese(server, page, tmp_path):
    started = time.monotonic()
    page.goto(server)
    print(f"{time.monotonic() - started:.1f} s: page loading")
    page.wait_for_selector(REFERENCE_LINE, state="attached")  # the panels are drawn
    page.wait_for_selector(".demo-map canvas")  # and the map
    assert _month(page) == "2008-01"

    # Step (two months a press) and read the quit-rate line of the reported levers.
    _no_run_line(page)
    _click(page, "Step")
    stepped = _wait_month(page, lambda m: m > "2008-01", "a later month than 2008-01")
    reported_line = _run_line(page)

    # Move the pay floor's slider (by its label) to its lowest value, reset, step as before.
    slider = page.get_by_role("slider", name=PAY_FLOOR_EN, exact=True)
    assert slider.get_attribute("aria-valuenow") == "1.75"
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function("(el) => el.getAttribute('aria-valuenow') === '0.5'", arg=slider.element_handle())
    _click(page, "Reset")
    _wait_month(page, lambda m: m == "2008-01", "2008-01 after the reset")
    _no_run_line(page)
    _click(page, "Step")
    assert _wait_month(page, lambda m: m > "2008-01", "a later month than 2008-01") == stepped
    low_floor_line = _run_line(page)
    assert low_floor_line != reported_line, "the quit-rate line did not change with the pay floor"
    print(f"{time.monotonic() - started:.1f} s: the lever moved the line")

    # Play: the page redraws while the run goes on (a month between the stepped one and the last
    # shows), and the pause button stops it.
    _click(page, "▶")
    playing = _wait_month(page, lambda m: m > stepped, f"a later month than {stepped} while playing")
    assert playing < "2012-12", "the page showed no month between the first redraw and the run's end"
    _click(page, "❚❚")
    page.wait_for_timeout(1000)  # a redraw under way when pausing still arrives
    paused = _month(page)
    page.wait_for_timeout(1500)
    assert _month(page) == paused < "2012-12", "the run went on after the pause"
    print(f"{time.monotonic() - started:.1f} s: played to {_month(page)}")

    # The language switch: Chinese labels, on the page and in the lever's slider, in a CJK font.
    page.get_by_role("button", name="中文", exact=True).click()
    page.get_by_text("当前月份", exact=False).first.wait_for()
    page.get_by_role("slider", name=PAY_FLOOR_ZH, exact=True).wait_for(state="attached")
    assert page.get_by_role("button", name="Reset", exact=True).count() == 1  # Mesa's controls stay
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '报酬底线')")
    page.locator(".demo-panels text", has_text="辞职率").first.wait_for()  # the panels, in Chinese

    screenshot = _artifact_dir(tmp_path) / "demo_browser.png"
    page.screenshot(path=str(screenshot))
    print(f"screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000

    # No console error and no uncaught exception; warnings are listed (none is expected).
    errors = [(kind, text) for kind, text in page.console if kind in ("error", "pageerror")]
    assert errors == []
    warnings = [text for kind, text in page.console if kind == "warning"]
    assert [w for w in warnings if not _known_third_party(w)] == []


#: Console warnings the page is known to print, each with why it is harmless. Nothing else may appear.
KNOWN_WARNINGS = {
    # ipyvue, loading Solara's own Vega-Lite widget (an older form of Vue component script).
    "Failed to evaluate Vue script and find module.exports, falling back to old method, "
    "please use module.exports = { ... }",
}


def _known_third_party(warning: str) -> bool:
    return warning in KNOWN_WARNINGS
