"""Concept figures of the notebooks, generated (never drawn by hand) into ``notebooks/figures/``.

A concept figure does not depend on the learner's code, so it can be shipped as a PNG and
seen by a self-learner reading a notebook anywhere. Each notebook's figures live in its own
module ``helpers/figures/nbNN.py`` (owned by the notebook's author), one function per figure::

    from helpers import plots
    from helpers.figures import figure

    @figure("03_momentum_bowl.png")
    def momentum_bowl():
        fig, ax = plots.figure()
        ...
        return fig

Every ``nb*`` module of this package is imported automatically. Regenerate the PNGs with::

    python -m helpers.figures                 # all, into notebooks/figures/
    python -m helpers.figures --language zh-CN   # the Chinese set, notebooks/zh-CN/figures/
    python -m helpers.figures OUTDIR --only 03_momentum_bowl.png
    python -m helpers.figures --list

and reference one from a notebook's markdown as ``![what it shows](figures/03_momentum_bowl.png)``.
The Chinese set is the same drawing code run under ``helpers.plots.use_language("zh-CN")``: its
text is translated when drawn, from the helpers' catalogue (each module's ``TEXTS``, marked with
``N_`` for ``make translations``).
:func:`check_references` finds references without a file and figures nobody references.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import pkgutil
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

REPO_DIR = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO_DIR / "notebooks"
DEFAULT_OUTDIR = NOTEBOOKS_DIR / "figures"
#: The translated editions' figures: the same drawings with their text in the language, next to
#: the edition's notebooks (``notebooks/zh-CN/figures/``), so that its ``figures/NAME.png``
#: links find them.
LANGUAGES = ("zh-CN",)


def outdir_for(language: str = "en") -> Path:
    """Where ``make figures`` writes the figures of ``language`` (``"en"`` or ``"zh-CN"``)."""
    if language == "en":
        return DEFAULT_OUTDIR
    if language not in LANGUAGES:
        raise ValueError(f"no figures in {language!r}: use one of {', '.join(['en', *LANGUAGES])}")
    return NOTEBOOKS_DIR / language / "figures"

#: Registered figures: file name (``"NN_name.png"``) -> function ``() -> matplotlib Figure``.
FIGURES: dict[str, Callable] = {}

_NAME = re.compile(r"^\d{2}_[A-Za-z0-9_\-]+\.png$")

#: ``![alt](figures/NAME.png)`` (optionally with a title) and ``<img src="figures/NAME.png">``.
_REFERENCE = re.compile(
    r"""!\[[^\]]*\]\(\s*<?(?:\./)?(figures/[^)\s>]+?\.png)>?(?:\s+["'][^)]*["'])?\s*\)"""
    r"""|<img\b[^>]*?\bsrc\s*=\s*["'](?:\./)?(figures/[^"']+?\.png)["']""",
    re.IGNORECASE,
)


def figure(name: str) -> Callable[[Callable], Callable]:
    """Register the decorated function ``() -> matplotlib Figure`` as the figure ``name``.

    name : str, the PNG's file name, ``"NN_some_name.png"`` with ``NN`` the notebook number.
    Returns the function unchanged. Registering a *different* function under a name already
    taken raises ``ValueError`` (re-importing the same module is fine).
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"a figure name must look like 'NN_some_name.png' (two digits, an "
                         f"underscore, letters/digits/_/-, .png); got {name!r}")

    def register(function: Callable) -> Callable:
        if not callable(function):
            raise ValueError(f"@figure({name!r}) must decorate a function; got "
                             f"{type(function).__name__}")
        previous = FIGURES.get(name)
        if previous is not None and _where(previous) != _where(function):
            raise ValueError(f"figure {name!r} is registered twice: by {_where(previous)} and "
                             f"by {_where(function)}; give one of them another name")
        FIGURES[name] = function
        return function

    return register


def _where(function: Callable) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', '?')}"


def figure_modules() -> list[str]:
    """Full names of the ``helpers.figures.nb*`` modules (one per notebook), sorted."""
    names = {info.name for info in pkgutil.iter_modules(__path__)
             if info.name.startswith("nb") and not info.ispkg}
    return [f"{__name__}.{name}" for name in sorted(names)]


def load_all() -> dict[str, Callable]:
    """Import every ``helpers/figures/nb*.py`` module (registering its figures); return FIGURES.

    Raises ``ImportError`` naming the module when one fails to import.
    """
    for module in figure_modules():
        if module in sys.modules:
            continue
        try:
            importlib.import_module(module)
        except Exception as error:
            raise ImportError(f"cannot import the figure module {module}: "
                              f"{type(error).__name__}: {error}") from error
    return FIGURES


def _select(only: str | Iterable[str] | None) -> list[str]:
    if only is None:
        return sorted(FIGURES)
    wanted = [only] if isinstance(only, str) else list(only)
    names = []
    for name in wanted:
        full = name if name.endswith(".png") else f"{name}.png"
        if full not in FIGURES:
            known = ", ".join(sorted(FIGURES)) or "none"
            raise KeyError(f"no figure named {name!r}; registered figures: {known}")
        names.append(full)
    return names


def render(name: str):
    """Call the function registered as ``name`` in the course style; return its Figure.

    The global numpy random state is seeded with 0 first (and restored afterwards), so figures
    that use ``np.random`` still come out the same every time.
    """
    import matplotlib as mpl
    import numpy as np
    from matplotlib.figure import Figure

    from helpers import plots

    function = FIGURES[name]
    random_state = np.random.get_state()
    try:
        with mpl.rc_context():
            plots.use_course_style()
            np.random.seed(0)
            fig = function()
    finally:
        np.random.set_state(random_state)  # the caller's random stream is left untouched
    if not isinstance(fig, Figure):
        raise TypeError(f"the figure function {_where(function)} registered as {name!r} must "
                        f"return a matplotlib Figure; it returned {type(fig).__name__}")
    return fig


def generate(outdir: str | Path | None = None, only: str | Iterable[str] | None = None,
             verbose: bool = False, language: str = "en") -> list[Path]:
    """Draw registered figures with the Agg backend and save them as PNGs in ``outdir``.

    outdir : folder to write into (created if needed), by default :func:`outdir_for`
        ``(language)``: ``notebooks/figures/``, or ``notebooks/zh-CN/figures/`` for Chinese
    only : a figure name (``"03_momentum_bowl.png"``, the ``.png`` may be left out), a list of
        names, or ``None`` for all
    verbose : print each file written
    language : ``"en"``, or ``"zh-CN"`` to draw the figures' text in Chinese (as
        ``plots.use_language`` does in a notebook); the language the caller had is restored

    Returns the paths written, in name order. Every figure is closed after saving. Raises
    ``KeyError`` for an unknown name and ``RuntimeError`` naming the figure whose function
    failed.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from helpers import plots

    load_all()
    names = _select(only)
    outdir = Path(outdir) if outdir is not None else outdir_for(language)
    previous_backend = plt.get_backend()
    switched = previous_backend.lower() != "agg"
    if switched:
        plt.switch_backend("Agg")
    written = []
    try:
        for name in names:
            before = set(plt.get_fignums())
            try:
                # translated when drawn, so the language holds until the PNG is written
                with mpl.rc_context(), _drawing_language(language):
                    fig = render(name)
                    path = plots.save_figure(fig, outdir / name)
            except Exception as error:
                raise RuntimeError(f"figure {name} ({_where(FIGURES[name])}) failed: "
                                   f"{type(error).__name__}: {error}") from error
            finally:
                for number in set(plt.get_fignums()) - before:
                    plt.close(number)
            written.append(path)
            if verbose:
                print(f"wrote {path}")
    finally:
        if switched:
            try:
                plt.switch_backend(previous_backend)
            except Exception:  # e.g. an interactive backend that cannot start headless
                pass
    return written


@contextlib.contextmanager
def _drawing_language(language: str):
    """Figures drawn in ``language`` for the block; afterwards the caller's language again
    (its font family comes back with the caller's ``rc_context``)."""
    from helpers import plots

    if language == "en" and plots.LANGUAGE in (None, "en"):
        yield
        return
    if language != "en":
        outdir_for(language)  # an unknown language is refused here
    previous = plots.LANGUAGE
    plots.use_language(language)
    try:
        yield
    finally:
        plots.use_language(previous if previous not in (None, "en") else "en")
        plots.LANGUAGE = previous


class References(NamedTuple):
    """What :func:`check_references` found.

    missing : ``"NOTEBOOK.ipynb: figures/NAME.png"`` for each markdown reference whose file
        does not exist
    unreferenced : names of registered figures that no notebook references
    """

    missing: list[str]
    unreferenced: list[str]


def figure_references(notebook: str | Path) -> list[str]:
    """The ``figures/NAME.png`` paths referenced in the markdown cells of one notebook."""
    with open(notebook, encoding="utf-8") as handle:
        cells = json.load(handle).get("cells", [])
    found = []
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        for match in _REFERENCE.finditer(text):
            found.append(match.group(1) or match.group(2))
    return found


def check_references(notebooks_dir: str | Path = NOTEBOOKS_DIR) -> References:
    """Cross-check figure references in ``notebooks_dir/*.ipynb`` against files and registry.

    notebooks_dir : folder of the notebooks; references ``figures/X.png`` are resolved
        relative to it (where the notebook lives).

    Returns :class:`References` ``(missing, unreferenced)``: references in markdown cells
    whose PNG does not exist, and registered figures (all ``nb*`` modules loaded) that no
    notebook references. Both empty means everything is consistent.
    """
    notebooks_dir = Path(notebooks_dir)
    load_all()
    missing, referenced = [], set()
    for notebook in sorted(notebooks_dir.glob("*.ipynb")):
        for reference in figure_references(notebook):
            referenced.add(Path(reference).name)
            if not (notebooks_dir / reference).is_file():
                missing.append(f"{notebook.name}: {reference}")
    unreferenced = [name for name in sorted(FIGURES) if name not in referenced]
    return References(missing, unreferenced)


__all__ = ["DEFAULT_OUTDIR", "FIGURES", "LANGUAGES", "References", "check_references", "figure",
           "figure_modules", "figure_references", "generate", "load_all", "outdir_for", "render"]
