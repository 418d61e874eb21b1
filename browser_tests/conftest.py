"""Fixtures for the browser tests: one JupyterLab server and one headless Chromium per run.

Run with ``make test-browser`` (or ``bash browser_tests/setup.sh && .venv/bin/python -m pytest
browser_tests -v``). Screenshots go to ``artifacts/browser/`` (or $BROWSER_SCREENSHOTS); the
folder is printed at the start and at the end of the run.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import labdriver
import pytest

SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", labdriver.REPO / "artifacts" / "browser"))
TIMINGS: list[tuple[str, float]] = []


def pytest_configure(config):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):  # only this run's pictures in the folder
        old.unlink()


def pytest_report_header(config):
    return [f"browser screenshots: {SHOTS}", f"chromium: {labdriver.CHROMIUM}"]


def pytest_terminal_summary(terminalreporter):
    shots = sorted(SHOTS.glob("*.png")) if SHOTS.exists() else []
    terminalreporter.write_sep("-", "browser test steps")
    for name, seconds in TIMINGS:
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
    terminalreporter.write_line(f"{len(shots)} screenshots in {SHOTS}")


@pytest.fixture(scope="session")
def chromium_available():
    if not os.access(labdriver.CHROMIUM, os.X_OK):
        pytest.fail(f"{labdriver.CHROMIUM} is missing: run `bash browser_tests/setup.sh` "
                    "(installs Debian's chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("the playwright package is missing: run `bash browser_tests/setup.sh`")


@pytest.fixture(scope="session")
def lab(chromium_available):
    """JupyterLab on 127.0.0.1 with a token, serving filled copies of the student notebooks."""
    if not labdriver.student_notebooks():
        pytest.fail(f"no student notebooks in {labdriver.NOTEBOOKS} (run `make release`)")
    started = time.monotonic()
    server = labdriver.start_lab()
    atexit.register(server.stop)  # also when the run is interrupted
    TIMINGS.append(("JupyterLab started", time.monotonic() - started))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium_available):
    from playwright.sync_api import sync_playwright

    user_data = tempfile.mkdtemp(prefix="optim-chromium-")
    with sync_playwright() as playwright:
        # launch() keeps its own fresh profile; --user-data-dir is not accepted here, so the
        # temporary profile is made by Playwright (and a scratch HOME keeps Chromium's caches
        # out of the real one).
        browser = playwright.chromium.launch(
            executable_path=labdriver.CHROMIUM, headless=True, args=labdriver.CHROMIUM_ARGS,
            env={**os.environ, "HOME": user_data})
        yield browser
        browser.close()
    shutil.rmtree(user_data, ignore_errors=True)


@pytest.fixture
def page(browser, lab, request):
    """A fresh browser tab (1400x1000); console errors are kept for the failure report."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    started = time.monotonic()
    yield tab
    TIMINGS.append((request.node.name, time.monotonic() - started))
    for message in tab.console_errors[:5]:
        # JavaScript errors do not fail a test by themselves (the assertions read the page),
        # but a broken extension shows here first: report them.
        warnings.warn(f"{request.node.name}: browser console error: {message[:300]}",
                      stacklevel=1)
    if getattr(request.node, "rep_call_failed", False):
        try:
            tab.screenshot(path=str(shot_path(request.node.name + "-FAILED")))
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
    context.close()
    lab.shutdown_kernels()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call_failed = report.failed


def shot_path(name: str) -> Path:
    return SHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")


@pytest.fixture
def shot():
    """shot(name) -> the path to save a screenshot under."""
    return shot_path
