"""helpers.figures: registry, generation, CLI and reference checks, with fake figure modules.

The notebook authors' real modules (helpers/figures/nbNN.py) are hidden during these tests:
the package's search path is pointed at a temporary folder holding fake ``nb*`` modules.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap

import matplotlib
import matplotlib.pyplot as plt
import pytest

import helpers.figures as figures
from helpers.figures import __main__ as cli

matplotlib.use("Agg")

FAKE_MODULE = '''
from helpers import plots
from helpers.figures import figure


@figure("98_line.png")
def a_line():
    """A straight line."""
    fig, ax = plots.figure()
    ax.plot([0, 1, 2], [0, 1, 4], color=plots.color_for("adam"))
    ax.set_title("fake figure")
    return fig


@figure("98_two_panels.png")
def two_panels():
    fig, axes = plots.figure(2)
    for ax in axes:
        ax.plot([0, 1], [1, 0])
    return fig
'''


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """helpers.figures with an empty registry whose nb* modules come from a temporary folder."""
    package_dir = tmp_path / "fake_figures"
    package_dir.mkdir()
    monkeypatch.setattr(figures, "FIGURES", {})
    monkeypatch.setattr(figures, "__path__", [str(package_dir)])
    before = set(sys.modules)

    def add_module(name, source):
        (package_dir / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        importlib.invalidate_caches()

    yield add_module
    for name in set(sys.modules) - before:
        if name.startswith("helpers.figures.nb"):
            del sys.modules[name]
    plt.close("all")


def test_figure_modules_are_found_and_imported_automatically(fake_package):
    fake_package("nb98", FAKE_MODULE)
    fake_package("helper_not_a_figure_module", "raise RuntimeError('must not be imported')")
    assert figures.figure_modules() == ["helpers.figures.nb98"]
    registry = figures.load_all()
    assert sorted(registry) == ["98_line.png", "98_two_panels.png"]
    assert registry["98_line.png"].__name__ == "a_line"


def test_generate_writes_reproducible_pngs_and_closes_figures(fake_package, tmp_path):
    fake_package("nb98", FAKE_MODULE)
    open_before = plt.get_fignums()
    written = figures.generate(tmp_path / "out")
    assert [p.name for p in written] == ["98_line.png", "98_two_panels.png"]
    assert plt.get_fignums() == open_before
    again = figures.generate(tmp_path / "again")
    for first, second in zip(written, again, strict=True):
        content = first.read_bytes()
        assert content.startswith(b"\x89PNG")
        assert content == second.read_bytes()


def test_random_figures_are_reproducible_and_leave_the_callers_stream_alone(fake_package,
                                                                           tmp_path):
    import numpy as np

    @figures.figure("93_noise.png")
    def noise():
        fig, ax = plt.subplots()
        ax.plot(np.random.rand(20))
        return fig

    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    first = figures.generate(tmp_path / "a")[0].read_bytes()
    assert np.array_equal(np.random.rand(3), expected)
    assert figures.generate(tmp_path / "b")[0].read_bytes() == first


def test_generate_only_some(fake_package, tmp_path):
    fake_package("nb98", FAKE_MODULE)
    written = figures.generate(tmp_path / "out", only="98_line")
    assert [p.name for p in written] == ["98_line.png"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["98_line.png"]
    with pytest.raises(KeyError, match="98_nothing.*98_line.png"):
        figures.generate(tmp_path / "out", only=["98_nothing.png"])


def test_direct_registration_without_a_module(fake_package, tmp_path):
    @figures.figure("97_direct.png")
    def direct():
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        return fig

    assert figures.FIGURES["97_direct.png"] is direct
    figures.figure("97_direct.png")(direct)  # registering the same function again is fine
    assert figures.generate(tmp_path)[0].name == "97_direct.png"


def test_bad_names_and_clashes_are_refused(fake_package):
    for name in ("line.png", "3_line.png", "03_line.svg", "03/line.png", 3):
        with pytest.raises(ValueError, match="NN_some_name.png"):
            figures.figure(name)

    @figures.figure("96_taken.png")
    def first():
        return plt.figure()

    def second():
        return plt.figure()

    with pytest.raises(ValueError, match="registered twice.*first.*second"):
        figures.figure("96_taken.png")(second)


def test_failing_or_wrong_figure_functions_are_named(fake_package, tmp_path):
    @figures.figure("95_not_a_figure.png")
    def not_a_figure():
        plt.figure()
        return "oops"

    with pytest.raises(RuntimeError, match="95_not_a_figure.png.*not_a_figure.*Figure"):
        figures.generate(tmp_path)
    assert plt.get_fignums() == []  # the stray figure was closed anyway


def test_a_broken_module_is_named(fake_package):
    fake_package("nb94", "import not_a_real_package_anywhere\n")
    with pytest.raises(ImportError, match="helpers.figures.nb94"):
        figures.load_all()


def test_cli_lists_and_generates(fake_package, tmp_path, capsys):
    fake_package("nb98", FAKE_MODULE)
    assert cli.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "98_line.png" in out and "A straight line." in out
    assert cli.main([str(tmp_path / "cli"), "--only", "98_two_panels.png"]) == 0
    assert [p.name for p in (tmp_path / "cli").iterdir()] == ["98_two_panels.png"]
    assert cli.main([str(tmp_path / "cli"), "--only", "98_missing"]) == 2
    assert "no figure named" in capsys.readouterr().err


def test_the_default_output_folder_is_notebooks_figures():
    assert figures.DEFAULT_OUTDIR.parts[-2:] == ("notebooks", "figures")


def _notebook(path, cells):
    content = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(content), encoding="utf-8")


def _markdown(text, as_list=False):
    source = text.splitlines(keepends=True) if as_list else text
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def test_check_references(fake_package, tmp_path):
    fake_package("nb98", FAKE_MODULE)
    notebooks = tmp_path / "notebooks"
    (notebooks / "figures").mkdir(parents=True)
    (notebooks / "figures" / "98_line.png").write_bytes(b"\x89PNG")
    _notebook(notebooks / "98_fake.ipynb", [
        _markdown("Look:\n\n![a line](figures/98_line.png)\n", as_list=True),
        _markdown('And ![gone](figures/98_gone.png "a title") and '
                  '<img src="./figures/98_html.png" width="400">'),
        {"cell_type": "code", "metadata": {}, "source": "# ![code](figures/98_code.png)",
         "outputs": [], "execution_count": None},
    ])
    _notebook(notebooks / "99_other.ipynb", [_markdown("No figures here.")])
    assert figures.figure_references(notebooks / "98_fake.ipynb") == [
        "figures/98_line.png", "figures/98_gone.png", "figures/98_html.png"]
    missing, unreferenced = figures.check_references(notebooks)
    assert missing == ["98_fake.ipynb: figures/98_gone.png", "98_fake.ipynb: figures/98_html.png"]
    assert unreferenced == ["98_two_panels.png"]
    result = figures.check_references(notebooks)
    assert result.missing == missing and result.unreferenced == unreferenced
