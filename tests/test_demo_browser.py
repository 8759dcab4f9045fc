"""The classroom page in a real browser: ``sim-demo`` served, opened in headless Chromium.

One test walks through what a teacher does: the page renders with no
console error, a lever's slider moved and the model reset changes the
plotted line (the quit rate's, read from the panels' SVG), play advances the
month, a timed play (the measure of ``sim-bench --demo --browser``) sees the
month label advance and redraw, the language switch shows Chinese labels (in
a CJK font). A
screenshot is saved where ``LINGTOUYAN_ARTIFACTS`` points (else in pytest's
temporary directory) and its path printed.

It needs Debian's Chromium (``/usr/bin/chromium``, or ``CHROMIUM``) and the
``playwright`` package (the test extra); without either it is skipped, saying
which. ``.ci/run`` installs both. Serving the page and opening it are
:mod:`lingtouyan.demo.browser`'s, shared with the benchmark.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lingtouyan.demo.browser import (
    TIMEOUT_MS,
    BrowserMissingError,
    measure_playing,
    month_label,
    open_page,
    require_browser,
    serve,
    wait_ready,
)

#: The lever slider the test moves, found by its label (not Mesa's own play/render sliders).
PAY_FLOOR_EN, PAY_FLOOR_ZH = "Pay floor (× income)", "报酬底线（×人均收入）"
#: The plotted line the test reads: the quit rate's run (panel 0), a path in the panels' SVG.
RUN_LINE = ".demo-panels g.p0_run_marks path"

try:
    require_browser()
except BrowserMissingError as missing:
    pytest.skip(str(missing), allow_module_level=True)


@pytest.fixture(scope="module")
def server():
    """``sim-demo --lang en`` on a free port of 127.0.0.1; stopped after the test."""
    try:
        with serve("en") as url:
            yield url
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture()
def page(tmp_path):
    """A fresh headless Chromium page at a projector's size, recording console messages."""
    with open_page(str(tmp_path / "profile")) as page:
        yield page


def _month(page) -> str:
    return month_label(page)


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
    wait_ready(page, server)  # the panels and the map are drawn
    print(f"{time.monotonic() - started:.1f} s: page loaded")
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

    # Play again, timed as ``sim-bench --demo --browser`` does: the label advances and is redrawn.
    timed = measure_playing(page, max_seconds=15)
    print(f"{time.monotonic() - started:.1f} s: timed play {timed}")
    assert timed["start"] == paused and timed["last"] > paused
    assert timed["months"] > 0 and timed["months_per_s"] > 0 and timed["redraws"] >= 1

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
