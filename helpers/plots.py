"""One figure style for the whole course.

Importing this module applies the course style (:func:`use_course_style`): figure size that
fits a JupyterLab notebook, readable fonts, a light grid and a colour-blind-safe palette
(Okabe & Ito, 2008) with **one fixed colour per optimizer**, so "Adam" is the same orange in
every notebook. Every function draws on an existing axes when given ``ax=...`` and returns
the axes; none calls ``plt.show()`` (JupyterLab shows figures by itself; scripts call
:func:`save_figure`).

Conventions: examples are columns, so data points ``X`` have shape ``(2, m)`` and labels ``Y``
shape ``(1, m)``; 2-D paths are ``(k, 2)`` arrays, one row per point.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap, ListedColormap, to_rgb

from helpers.language import N_

# --------------------------------------------------------------------------- palette
#: One colour per method and role (Okabe-Ito palette: distinguishable with every common
#: colour-vision deficiency and in greyscale by lightness for the blue/orange pairs).
COLORS: dict[str, str] = {
    "gd": "#0072B2",         # blue
    "sgd": "#56B4E9",        # sky blue: a relative of GD
    "minibatch": "#D55E00",  # vermillion
    "momentum": "#009E73",   # bluish green: not a second orange next to Adam's
    "rmsprop": "#CC79A7",    # reddish purple
    "adam": "#E69F00",       # orange (AdamW shares it, with its own line style)
    "nesterov": "#332288",   # indigo (Paul Tol): momentum's look-ahead relative, but not a
                             # second green next to momentum's
    "train": "#222222",      # near black
    "test": "#8C8C8C",       # mid grey
    "class0": "#0072B2",     # blue
    "class1": "#E69F00",     # orange
}

#: Order in which keys are looked for in a label. Optimizer names come first, so
#: "mini-batch Adam" is Adam's colour and "momentum GD" is momentum's; then the batch regime
#: ("minibatch" before "sgd" before "gd"); the roles last. Within a group, longer keys first.
_PRIORITY = ("nesterov", "rmsprop", "momentum", "adam", "minibatch", "sgd", "gd",
             "class0", "class1", "train", "test")

#: Other ways labels say the same thing, rewritten to the keys before matching.
_REWRITES = (
    (r"mini[\s_\-]*batch(es)?", "minibatch"),
    (r"stochastic(\s+(gradient\s+descent|gd))?", "sgd"),
    (r"gradient\s+descent", "gd"),
    (r"class[\s_\-]*([01])", r"class\1"),
)
#: Words matched only when no key is found: "batch" alone (not "mini-batch") is full-batch GD;
#: AdamW is Adam's colour (runs sharing a colour get different line styles).
_ALIASES = {"batch": "gd", "adamw": "adam"}

#: Stable fallback colours for labels naming no known method (Paul Tol's muted scheme).
FALLBACK_COLORS = ("#332288", "#117733", "#882255", "#44AA99", "#999933", "#AA4499",
                   "#88CCEE", "#661100")

#: Line styles used to tell apart several runs that share a colour (e.g. two Adam runs).
LINESTYLES = ("-", "--", ":", "-.")

#: Resolution of saved figures (dots per inch); also used inline so both look alike.
DPI = 110

_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "regular",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": True,
    "legend.framealpha": 0.85,
    "legend.edgecolor": "#DDDDDD",
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#B0B0B0",
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "grid.linestyle": "-",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.8,
    "lines.markersize": 4,
    "scatter.edgecolors": "white",
    "image.cmap": "viridis",
    "axes.prop_cycle": mpl.cycler(color=["#0072B2", "#E69F00", "#009E73", "#D55E00",
                                         "#CC79A7", "#56B4E9", "#000000", "#F0E442"]),
}


def use_course_style() -> None:
    """Apply the course's matplotlib style (figure size, fonts, grid, colour cycle).

    Called once when :mod:`helpers.plots` is imported; calling it again re-applies the style
    (e.g. after ``plt.rcdefaults()``). Changes the global ``matplotlib.rcParams``.
    """
    mpl.rcParams.update(_STYLE)


use_course_style()


def _normalise(label: str) -> str:
    text = str(label).lower()
    for pattern, replacement in _REWRITES:
        text = re.sub(pattern, replacement, text)
    return text


def _contains_word(text: str, key: str) -> bool:
    # A key counts only as a whole run of letters: "gd" is not found in "sgd" or "big data",
    # but is found in "gd, lr 0.1" or "gd0.1".
    return re.search(rf"(?<![a-z]){re.escape(key)}(?![a-z])", text) is not None


def method_of(label: str) -> str | None:
    """The key of :data:`COLORS` a label refers to (see :func:`color_for`), or ``None``."""
    text = _normalise(label)
    for key in _PRIORITY:
        if _contains_word(text, key):
            return key
    for alias, key in _ALIASES.items():
        if _contains_word(text, alias):
            return key
    return None


def color_for(label: str) -> str:
    """The course colour of a run, from its label.

    The label is searched (case-insensitively, on whole words, so ``"gd"`` is not found in
    ``"sgd"``) for a key of :data:`COLORS`; optimizer names win over the batch regime, so
    ``"mini-batch Adam, lr 0.01"`` gets Adam's orange and ``"mini-batch GD"`` the mini-batch
    green. Labels naming no known method get a fallback colour that depends only on the label
    (the same in every session).

    label : str, e.g. ``"adam, lr 0.01"``. Returns a hex colour string ``"#RRGGBB"``.
    """
    key = method_of(label)
    if key is not None:
        return COLORS[key]
    return FALLBACK_COLORS[zlib.crc32(str(label).encode()) % len(FALLBACK_COLORS)]


def _styles_for(labels: Sequence[str]) -> list[tuple[str, str]]:
    """(colour, linestyle) per label: runs sharing a colour get different line styles."""
    seen: dict[str, int] = {}
    styles = []
    for label in labels:
        color = color_for(label)
        index = seen.get(color, 0)
        seen[color] = index + 1
        styles.append((color, LINESTYLES[index % len(LINESTYLES)]))
    return styles


def _tint(color: str, amount: float) -> tuple[float, float, float]:
    """``color`` mixed with white; ``amount`` 0 is the colour, 1 is white."""
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


# --------------------------------------------------------------------------- figures
def figure(ncols: int = 1, nrows: int = 1, width: float | None = None,
           height: float | None = None, **subplots_kw):
    """A course-sized figure with ``nrows x ncols`` axes.

    ncols, nrows : int, the grid of axes
    width, height : float, inches; by default 6.4 wide for one column, 10 for two and 11 for
        three or more (fits a JupyterLab notebook at 110 dpi), and 4.0 (3.6 for three or more
        columns) high per row
    subplots_kw : passed to ``plt.subplots`` (e.g. ``sharey=True``); the layout is
        ``"constrained"`` (labels never overlap) unless ``layout=...`` is given, so do not
        call ``fig.tight_layout()`` on these figures (matplotlib would warn)

    Returns
    -------
    fig : matplotlib Figure
    axes : one Axes when ``ncols == nrows == 1``, else a ndarray of Axes (as ``plt.subplots``)
    """
    if int(ncols) < 1 or int(nrows) < 1:
        raise ValueError(f"ncols and nrows must be at least 1; got ncols={ncols}, nrows={nrows}")
    ncols, nrows = int(ncols), int(nrows)
    if width is None:
        width = {1: 6.4, 2: 10.0}.get(ncols, 11.0)
    if height is None:
        height = (4.0 if ncols < 3 else 3.6) * nrows
    subplots_kw.setdefault("layout", "constrained")
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), **subplots_kw)
    return fig, axes


def _axes(ax):
    if ax is None:
        _, ax = figure()
    return ax


def save_figure(fig, path: str | Path, dpi: int = DPI) -> Path:
    """Save ``fig`` as a PNG whose bytes depend only on what is drawn.

    The PNG gets no "Software" or timestamp metadata, so identical figures give
    byte-identical files (generated figures can be committed and checked for drift).
    Creates the parent folder if needed. fig : matplotlib Figure; path : file path ending in
    ``.png``; dpi : int, dots per inch. Returns the path as a ``Path``.
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"save_figure writes PNG files; the path must end in .png, got {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.1,
                metadata={"Software": None})
    return path


# --------------------------------------------------------------------------- data
def _check_points(X, Y=None):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != 2:
        hint = " (did you pass X.T? examples are columns)" if X.ndim == 2 and X.shape[1] == 2 \
            else ""
        raise ValueError(f"X must have shape (2, m), one column per point; got {X.shape}{hint}")
    if Y is None:
        return X, None
    Y = np.asarray(Y)
    if Y.shape != (1, X.shape[1]) and Y.shape != (X.shape[1],):
        raise ValueError(f"Y must have shape (1, m) = (1, {X.shape[1]}) to match X {X.shape}; "
                         f"got {Y.shape}")
    return X, Y.reshape(-1)


def scatter_classes(X, Y, ax=None, title=None, legend: bool = True,
                    labels: Sequence[str] = ("class 0", "class 1"), **kw):
    """Scatter plot of 2-D points coloured by their 0/1 label.

    X : ndarray of shape (2, m), the points (examples are columns)
    Y : ndarray of shape (1, m) (or (m,)), labels in {0, 1}
    ax : Axes to draw on; a new course-sized figure when ``None``
    title : str or None
    legend : bool, show which colour is which class
    labels : names of class 0 and class 1 in the legend
    kw : passed to ``ax.scatter`` (e.g. ``s=12``, ``alpha=0.5``)

    Returns the Axes.
    """
    X, Y = _check_points(X, Y)
    ax = _axes(ax)
    options = {"s": 22, "linewidths": 0.5, "edgecolors": "white", "zorder": 3}
    options.update(kw)
    for value, marker, name in ((0, "o", labels[0]), (1, "^", labels[1])):
        mask = Y == value
        ax.scatter(X[0, mask], X[1, mask], c=COLORS[f"class{value}"], marker=marker,
                   label=name, **options)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="lower right", markerscale=1.2)
    return ax


def plot_decision_boundary(model, X, Y, ax=None, title=None, resolution: int = 250,
                           split: str = "train", margin: float = 0.5):
    """The two regions a classifier predicts, with the data points on top.

    model : parameters dict ``W1, b1, ..., WL, bL`` (predicts with
        :func:`helpers.network.predict`) or a callable ``predict(X) -> labels`` taking an
        ndarray of shape (2, k) and returning labels in {0, 1} of shape (1, k) or (k,)
    X : ndarray of shape (2, m); Y : ndarray of shape (1, m), labels in {0, 1}
    ax : Axes to draw on, or ``None`` for a new figure
    title : str; when ``None`` the title gives the accuracy on ``(X, Y)``, called ``split``
        (``"Decision boundary (train accuracy 94.3%)"``)
    resolution : int, grid points per axis (``resolution**2`` predictions)
    margin : float, space around the data, in the units of ``X``

    Returns the Axes.
    """
    X, Y = _check_points(X, Y)
    probability = None
    if isinstance(model, Mapping):
        from helpers import network

        parameters = model

        def predict(points):
            return network.predict(points, parameters)

        def probability(points):  # smooth boundary: the 0.5 level of P(class 1)
            return network.forward_propagation(points, parameters)[0]
    elif callable(model):
        predict = model
    else:
        raise ValueError("model must be a parameters dict (W1, b1, ...) or a callable "
                         f"predict(X (2, k)) -> (1, k); got {type(model).__name__}")
    resolution = int(resolution)
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2; got {resolution}")

    def labels_of(points):
        out = np.asarray(predict(points))
        k = points.shape[1]
        if out.shape not in ((1, k), (k,)):
            raise ValueError(f"the model's predict returned shape {out.shape} for input of "
                             f"shape {points.shape}; expected (1, {k})")
        return out.reshape(-1)

    x_min, x_max = X[0].min() - margin, X[0].max() + margin
    y_min, y_max = X[1].min() - margin, X[1].max() + margin
    xs = np.linspace(x_min, x_max, resolution)
    ys = np.linspace(y_min, y_max, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.vstack([grid_x.ravel(), grid_y.ravel()])
    Z = labels_of(grid).astype(float).reshape(grid_x.shape)
    if probability is not None:
        with np.errstate(all="ignore"):
            P = np.asarray(probability(grid), dtype=float).reshape(grid_x.shape)
        if np.all(np.isfinite(P)):
            Z = P  # regions are P > 0.5, exactly where predict says 1

    ax = _axes(ax)
    regions = ListedColormap([_tint(COLORS["class0"], 0.78), _tint(COLORS["class1"], 0.72)])
    ax.contourf(grid_x, grid_y, Z, levels=[-1.0, 0.5, 2.0], cmap=regions, zorder=0)
    if Z.min() < 0.5 < Z.max():
        ax.contour(grid_x, grid_y, Z, levels=[0.5], colors="#444444", linewidths=1.0, zorder=1)
    scatter_classes(X, Y, ax=ax, legend=True)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.grid(False)
    if title is None:
        accuracy = float(np.mean(labels_of(X) == Y))
        title = f"Decision boundary ({split} accuracy {accuracy:.1%})"
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- training curves
def _log_y(ax) -> None:
    """Logarithmic y axis with plain numbers (0.5, not 5 x 10^-1) as tick labels."""
    ax.set_yscale("log")
    plain = mticker.FuncFormatter(lambda value, _: f"{value:g}")
    ax.yaxis.set_major_formatter(plain)
    low, high = ax.get_ylim()
    if low > 0 and high / low < 10:  # less than a decade: label the minor ticks too
        ax.yaxis.set_minor_formatter(plain)
    else:
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())


def _as_runs(runs) -> dict[str, object]:
    """``runs`` as a dict label -> History or 1-D array."""
    if isinstance(runs, Mapping):
        return dict(runs)
    if hasattr(runs, "costs"):  # a single History
        return {runs.label or "run": runs}
    if isinstance(runs, Sequence) and not isinstance(runs, str):
        out = {}
        for index, run in enumerate(runs):
            if not hasattr(run, "costs"):
                raise ValueError("a list of runs must hold History objects (with .costs and "
                                 f".label); item {index} is a {type(run).__name__}. Pass a "
                                 "dict label -> cost array for plain arrays.")
            label = run.label or f"run {index + 1}"
            while label in out:
                label += "'"
            out[label] = run
        return out
    raise ValueError("runs must be a dict label -> History (or 1-D cost array), or a list of "
                     f"History; got {type(runs).__name__}")


def _one_d(values, what: str, label: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{what} of {label!r} must be a non-empty 1-D array, one value per "
                         f"epoch; got shape {array.shape}")
    return array


def _same_curve(xs, ys, other_xs, other_ys) -> bool:
    """Whether two curves coincide to the eye (same x, y within 0.5 % of the y range)."""
    if xs.shape != other_xs.shape or not np.allclose(xs, other_xs):
        return False
    with np.errstate(invalid="ignore"):
        scale = np.nanmax(np.abs(np.concatenate([ys, other_ys])))
        return bool(np.nanmax(np.abs(ys - other_ys)) <= 0.005 * scale)


def smooth_curve(values, smooth) -> np.ndarray:
    """A smoothed copy of a 1-D curve, same length.

    values : ndarray of shape (n,)
    smooth : int ``w >= 1``, a trailing moving average over ``w`` points (shorter at the
        start); or a float ``beta`` in (0, 1), an exponentially weighted average with bias
        correction, ``v_t = beta v_{t-1} + (1 - beta) x_t``, reported as ``v_t / (1 - beta^t)``
    """
    values = np.asarray(values, dtype=float)
    if isinstance(smooth, (bool, np.bool_)) or smooth is None:
        raise ValueError(f"smooth must be an int window >= 1 or a float in (0, 1); got {smooth!r}")
    if isinstance(smooth, (int, np.integer)):
        if smooth < 1:
            raise ValueError(f"smooth window must be >= 1; got {smooth}")
        cumulative = np.cumsum(np.insert(values, 0, 0.0))
        idx = np.arange(1, values.size + 1)
        low = np.maximum(idx - smooth, 0)
        return (cumulative[idx] - cumulative[low]) / (idx - low)
    beta = float(smooth)
    if not 0.0 < beta < 1.0:
        raise ValueError(f"smooth as a float is an EMA beta and must be in (0, 1); got {beta}")
    out = np.empty_like(values)
    v = 0.0
    for t, x in enumerate(values, start=1):
        v = beta * v + (1 - beta) * x
        out[t - 1] = v / (1 - beta**t)
    return out


def plot_costs(runs, ax=None, x: str = "epoch", log: bool = False, title=None, smooth=None,
               ylabel: str = "cost"):
    """Cost curves of several training runs, one colour per optimizer.

    runs : dict label -> :class:`helpers.training.History` (or -> 1-D ndarray of shape
        (num_epochs,) of costs), or a list of History (labelled by ``History.label``)
    ax : Axes to draw on, or ``None`` for a new figure
    x : ``"epoch"`` (epochs counted from 0) or ``"seconds"`` (wall-clock seconds since the
        start of the run, from ``History.elapsed``; needs History objects)
    log : bool, logarithmic cost axis
    title : str or None
    smooth : ``None``, or an int window / float EMA beta (see :func:`smooth_curve`); the raw
        curve is then drawn faintly behind the smoothed one
    ylabel : str, the label of the vertical axis

    Colours come from :func:`color_for`; runs sharing a colour get different line styles, and
    a curve that would hide one drawn before it (GD and momentum at a small learning rate
    coincide) is dashed.
    Returns the Axes.
    """
    if x not in ("epoch", "seconds"):
        raise ValueError(f"x must be 'epoch' or 'seconds'; got {x!r}")
    runs = _as_runs(runs)
    if not runs:
        raise ValueError("runs is empty: nothing to plot")
    ax = _axes(ax)
    drawn: list[tuple[np.ndarray, np.ndarray]] = []
    for (label, run), (color, linestyle) in zip(runs.items(), _styles_for(list(runs)),
                                                strict=True):
        costs = _one_d(getattr(run, "costs", run), "the costs", label)
        if x == "seconds":
            if not hasattr(run, "elapsed"):
                raise ValueError(f"x='seconds' needs History objects with .elapsed; run "
                                 f"{label!r} is a plain array")
            xs = _one_d(run.elapsed, "elapsed", label)
            if xs.shape != costs.shape:
                raise ValueError(f"run {label!r}: elapsed has shape {xs.shape} but costs has "
                                 f"shape {costs.shape}")
        else:
            xs = np.arange(costs.size)
        if smooth is not None:
            ax.plot(xs, costs, color=color, linewidth=0.8, alpha=0.3)
            costs = smooth_curve(costs, smooth)
        if linestyle == "-" and any(_same_curve(xs, costs, *other) for other in drawn):
            linestyle = "--"  # would hide a curve drawn before (e.g. GD and momentum)
        ax.plot(xs, costs, color=color, linestyle=linestyle, label=str(label))
        drawn.append((xs, costs))
    if log:
        _log_y(ax)
    ax.set_xlabel("epoch" if x == "epoch" else "wall-clock time (s)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_learning_rates(schedules, ax=None, title=None, log: bool = False):
    """Learning rate against epoch for several schedules.

    schedules : dict label -> 1-D ndarray of shape (num_epochs,) of learning rates (or ->
        History, using ``History.learning_rates``)
    log : bool, logarithmic learning-rate axis

    Drawn as steps (the rate is constant within an epoch). Returns the Axes.
    """
    if not isinstance(schedules, Mapping) or not schedules:
        raise ValueError("schedules must be a non-empty dict label -> 1-D array of learning "
                         f"rates; got {type(schedules).__name__}")
    ax = _axes(ax)
    for (label, rates), (color, linestyle) in zip(schedules.items(),
                                                  _styles_for(list(schedules)), strict=True):
        rates = _one_d(getattr(rates, "learning_rates", rates), "the learning rates", label)
        ax.plot(np.arange(rates.size), rates, color=color, linestyle=linestyle,
                drawstyle="steps-post", label=str(label))
    if log:
        _log_y(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


# --------------------------------------------------------------------------- surfaces
#: Filled contours of surfaces: low values a soft blue-grey, high values near white, so the
#: coloured paths on top stay the most visible thing.
_SURFACE_CMAP = LinearSegmentedColormap.from_list("course_surface", ["#B9C3D1", "#FBFBFB"])


def _contour_levels(values: np.ndarray, levels: int) -> np.ndarray:
    """Levels at evenly spaced quantiles of the values shown: each band covers the same area.

    Works for every surface without tuning: the Rosenbrock valley (values from 0 to 2500),
    the bowl and the saddle (negative values) all get contours spread over the whole box.
    """
    finite = values[np.isfinite(values)]
    quantiles = np.linspace(0.0, 1.0, int(levels) + 2)[1:-1]
    contour_levels = np.unique(np.quantile(finite, quantiles))
    if contour_levels.size < 2:  # a flat surface
        middle = float(finite.mean()) if finite.size else 0.0
        contour_levels = np.array([middle - 1.0, middle + 1.0])
    return contour_levels


def _check_path(label, path) -> np.ndarray:
    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] == 0:
        raise ValueError(f"path {label!r} must have shape (k, 2), one row per point; "
                         f"got {path.shape}")
    return path


def plot_surface(surface, ax=None, title=None, levels: int = 30, resolution: int = 300):
    """Filled contours of a :class:`helpers.surfaces.Surface` over its box. Returns the Axes."""
    ax = _axes(ax)
    xs = np.linspace(*surface.xlim, int(resolution))
    ys = np.linspace(*surface.ylim, int(resolution))
    grid_x, grid_y = np.meshgrid(xs, ys)
    values = np.asarray(surface(grid_x, grid_y), dtype=float)
    contour_levels = _contour_levels(values, levels)
    # Colour by level index, not by value: the bands shade evenly from low to high.
    norm = BoundaryNorm(contour_levels, ncolors=_SURFACE_CMAP.N, extend="both")
    ax.contourf(grid_x, grid_y, values, levels=contour_levels, cmap=_SURFACE_CMAP, norm=norm,
                extend="both", zorder=0)
    ax.contour(grid_x, grid_y, values, levels=contour_levels, colors="#8A8A8A",
               linewidths=0.45, alpha=0.6, zorder=1)
    ax.set_xlim(*surface.xlim)
    ax.set_ylim(*surface.ylim)
    ax.grid(False)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.set_title(title if title is not None else getattr(surface, "title", surface.name))
    return ax


def plot_trajectories(surface, paths, ax=None, title=None, levels: int = 30,
                      markers: bool | None = None, legend_loc: str | None = "best"):
    """Paths of optimizers on a 2-D surface, over its contour lines.

    surface : :class:`helpers.surfaces.Surface` (its box ``xlim``, ``ylim`` sets the view)
    paths : dict label -> ndarray of shape (k, 2), the points visited, start first (e.g. from
        :func:`helpers.surfaces.trajectory`); a single (k, 2) array is labelled "path"
    ax : Axes to draw on, or ``None`` for a new figure
    title : str; the surface's name when ``None``
    levels : int, number of contour levels (at quantiles of the values: equal-area bands)
    markers : bool, a dot at every step; by default only on paths of at most 100 points
    legend_loc : matplotlib legend location, or ``None`` for no legend

    The start of each path is a black ring, the minimum (when known) a black star, a saddle
    point a black cross. Points outside the box are clipped. Returns the Axes.
    """
    if isinstance(paths, np.ndarray):
        paths = {"path": paths}
    if not isinstance(paths, Mapping):
        raise ValueError("paths must be a dict label -> ndarray of shape (k, 2); got "
                         f"{type(paths).__name__}")
    checked = {label: _check_path(label, path) for label, path in paths.items()}
    ax = plot_surface(surface, ax=ax, title=title, levels=levels)
    styles = _styles_for(list(checked))
    starts = []
    for (label, path), (color, linestyle) in zip(checked.items(), styles, strict=True):
        ax.plot(path[:, 0], path[:, 1], color=color, linestyle=linestyle, linewidth=1.6,
                marker="o" if (len(path) <= 100 if markers is None else markers) else None,
                markersize=3.0, label=str(label), zorder=3)
        if not any(np.allclose(path[0], s) for s in starts):
            starts.append(path[0])
    for index, start in enumerate(starts):
        ax.plot(*start, marker="o", markersize=9, markerfacecolor="none",
                markeredgecolor="black", markeredgewidth=1.5, linestyle="none",
                label="start" if index == 0 else None, zorder=4)
    minimum = getattr(surface, "minimum", None)
    if minimum is not None:
        ax.plot(*np.asarray(minimum, dtype=float), marker="*", markersize=14, color="black",
                linestyle="none", label="minimum", zorder=4)
    saddle = getattr(surface, "saddle", None)
    if saddle is not None:
        ax.plot(*np.asarray(saddle, dtype=float), marker="X", markersize=10, color="black",
                linestyle="none", label="saddle point", zorder=4)
    if legend_loc is not None:
        ax.legend(loc=legend_loc)
    return ax


__all__ = [
    "COLORS", "DPI", "FALLBACK_COLORS", "LINESTYLES", "color_for", "figure", "method_of",
    "plot_costs", "plot_decision_boundary", "plot_learning_rates", "plot_surface",
    "plot_trajectories", "save_figure", "scatter_classes", "smooth_curve", "use_course_style",
]


# --------------------------------------------------------------------------- languages
#: Fonts with Simplified Chinese glyphs, best first: Noto Sans CJK SC (Debian's fonts-noto-cjk,
#: which `make zh-font` installs), the same design under Adobe's name, then what Windows, macOS
#: and other Linux systems usually have.
CJK_FONTS: dict[str, tuple[str, ...]] = {
    "zh-CN": ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei",
              "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "SimHei"),
}


def _installed_font_families() -> set[str]:
    from matplotlib import font_manager

    return {entry.name for entry in font_manager.fontManager.ttflist}


def _register_system_cjk_fonts() -> None:
    """Add CJK font files installed after matplotlib built its font cache (e.g. by apt)."""
    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        name = Path(path).name.lower()
        if any(word in name for word in ("cjk", "sourcehan", "wqy", "msyh", "pingfang",
                                         "simhei", "notosanssc")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable font file: skip it
                continue


# The notebook's language as its language cell declared it (None: no call yet). The checks read
# it as the notebook's language (autograder.checks.i18n), so the zh notebooks' feedback is in
# Chinese with no setting; an explicit choice or OPTIM_COURSE_LANG wins over it.
LANGUAGE: str | None = None


def use_language(language: str = "en") -> str | None:
    """Make figures able to show text in ``language`` (``"en"`` or ``"zh-CN"``).

    For ``"zh-CN"`` every text a figure draws (titles, axis labels, legends, annotations) is
    drawn in Chinese when the helpers' catalogue has it (see :func:`_translate_figure_text`);
    ``use_language("en")`` stops that. A font with Chinese glyphs is added behind the course's
    Latin font, so Latin letters and digits look as in the English figures and Chinese
    characters come from the CJK font; the checks' feedback follows the same language (see
    ``LANGUAGE``). Returns the family used (None for English). When no Chinese font is
    installed, a warning says how to install one and figures still draw (Chinese characters
    then show as boxes); nothing else changes.
    """
    global LANGUAGE
    global _CJK_FAMILY
    if language == "en":
        LANGUAGE = "en"
        _CJK_FAMILY = None
        _translate_figure_text(False)
        mpl.rcParams["font.family"] = mpl.rcParamsDefault["font.family"]
        return None
    if language not in CJK_FONTS:
        raise ValueError(f"unknown language {language!r}: use one of "
                         f"{', '.join(['en', *CJK_FONTS])}")
    LANGUAGE = language
    _CJK_FAMILY = None
    _translate_figure_text(True)
    installed = _installed_font_families()
    if not installed.intersection(CJK_FONTS[language]):
        _register_system_cjk_fonts()
        installed = _installed_font_families()
    family = next((name for name in CJK_FONTS[language] if name in installed), None)
    if family is None:
        import warnings

        warnings.warn(f"no font with Chinese characters found (looked for "
                      f"{', '.join(CJK_FONTS[language])}); install one, e.g. `make zh-font` "
                      "(Debian/Ubuntu: apt-get install fonts-noto-cjk)", stacklevel=2)
        return None
    # Matplotlib falls back glyph by glyph along font.family (not inside the generic
    # "sans-serif" list): the course's Latin font first, the CJK font for what it lacks.
    from matplotlib import font_manager

    sans = font_manager.FontProperties(family=["sans-serif"])
    latin = font_manager.get_font(font_manager.findfont(sans)).family_name
    mpl.rcParams["font.family"] = [latin, family]
    _CJK_FAMILY = family
    return family


# The Chinese font use_language found (None: none, or English): a translated line with maths is
# drawn with it first (see _translating).
_CJK_FAMILY: str | None = None


# --------------------------------------------------------------------------- figure texts
#: The shapes (:func:`helpers.language.figure_shape`) of the lines of text drawn while figures
#: are translated, each with whether the catalogue had it: what a translator (or a test) reads
#: to find the English a Chinese figure still shows. Lines :func:`helpers.language.translatable`
#: leaves alone (numbers, maths) are left out.
DRAWN_TEXTS: dict[str, bool] = {}


#: Every text (as its shape) that the helpers and the eight notebooks' figures draw, marked for
#: the helpers' catalogue (``make translations`` extracts them; the Chinese is in
#: ``helpers/locale/zh_CN/LC_MESSAGES/optim_course_helpers.po``). Method names that the
#: notebooks' code and Chinese prose use as names (gd, GD, RMSprop, Adam, adam, update_lr, ...)
#: are kept; the rest is translated with translations/zh-CN/glossary.csv's terms.
FIGURE_TEXTS: tuple[str, ...] = (
    # the helpers' own figure text (helpers/plots.py)
    N_('epoch'), N_('cost'), N_('learning rate'), N_('wall-clock time (s)'), N_('class {0}'),
    N_('start'), N_('minimum'), N_('saddle point'), N_('Decision boundary (train accuracy {0}%)'),
    N_('Decision boundary (test accuracy {0}%)'),
    # the surfaces' titles (helpers/surfaces.py), their formula a hole
    N_('bowl {0}'), N_('Rosenbrock {0}'), N_('saddle {0}'),
    # 01_gradient_descent
    N_('training set: {0} points'), N_('test set: {0} other points'), N_('too small: lr {0}'),
    N_('about right: lr {0}'), N_('too large: lr {0}'), N_('gd, lr {0}'),
    N_('cost after each epoch'), N_('batch gd, lr {0}'),
    # 02_minibatches
    N_('{0} epochs, learning rate {1}'), N_('stochastic gd'), N_('mini-batch {0}'),
    N_('batch gd, {0}'), N_('mini-batch gd, {0}'), N_('the same runs against time'),
    # 03_momentum
    N_('same start, learning rate {0}'), N_('momentum {0}, lr {1}'), N_('step'),
    N_('distance to the minimum'), N_('learning rate {0}'),
    N_('learning rate {0}: the curves coincide'), N_('mini-batch gd'), N_('momentum {0}'),
    N_('mini-batch gd, lr {0}'),
    # 04_rmsprop
    N_('your GD and your RMSprop on the bowl'), N_('GD, lr {0}'), N_('RMSprop, lr {0}'),
    N_('training set: {0} points, two classes'),
    N_('cost per epoch (mini-batches of {0}, lr {1})'), N_('GD: train accuracy {0}%'),
    N_('RMSprop: train accuracy {0}%'),
    # 05_adam
    N_('momentum'), N_('the same, log scale'), N_('momentum: train accuracy {0}%'),
    N_('Adam: train accuracy {0}%'),
    # 06_learning_rate_decay
    N_('cost per epoch'), N_('cost per epoch (log scale)'),
    N_('learning rate per epoch (log scale)'),
    N_('learning rate per epoch (colours as on the left)'), N_('gd, lr {0}, update_lr'),
    N_('gd, lr {0}, constant'), N_('gd, lr {0}, schedule_lr_decay'),
    N_('momentum (beta {0}), lr {1}, schedule_lr_decay'), N_('adam, lr {0}, schedule_lr_decay'),
    N_('gd, lr {0}: {1}%'), N_('momentum (beta {0}), lr {1}: {2}%'), N_('adam, lr {0}: {1}%'),
    # 07_comparison
    N_('momentum, lr {0}'), N_('rmsprop, lr {0}'), N_('adam, lr {0}'),
    N_('momentum, lr {0}, beta {1}'), N_('rmsprop, lr {0}, beta {1}'),
    N_('adam, lr {0}, beta {1}'), N_('bowl: value along the path'),
    N_('rosenbrock: value along the path'), N_('saddle: value along the path'), N_('f(point)'),
    N_('f(point) (log scale)'), N_('learning rate (log scale)'), N_('cost after {0} epochs'),
    N_('How sensitive is each optimizer to its learning rate?'),
    N_('cost against epochs (seed {0})'), N_('the same runs against wall-clock time'),
    N_('gd on the bowl: f = {0} after {1} steps'),
    N_('gd on the rosenbrock: f = {0} after {1} steps'),
    N_('gd on the saddle: f = {0} after {1} steps'),
    N_('momentum on the bowl: f = {0} after {1} steps'),
    N_('momentum on the rosenbrock: f = {0} after {1} steps'),
    N_('momentum on the saddle: f = {0} after {1} steps'),
    N_('rmsprop on the bowl: f = {0} after {1} steps'),
    N_('rmsprop on the rosenbrock: f = {0} after {1} steps'),
    N_('rmsprop on the saddle: f = {0} after {1} steps'),
    N_('adam on the bowl: f = {0} after {1} steps'),
    N_('adam on the rosenbrock: f = {0} after {1} steps'),
    N_('adam on the saddle: f = {0} after {1} steps'),
    N_('gd on the bowl: left the region after {0} steps'),
    N_('gd on the rosenbrock: left the region after {0} steps'),
    N_('gd on the saddle: left the region after {0} steps'),
    N_('momentum on the bowl: left the region after {0} steps'),
    N_('momentum on the rosenbrock: left the region after {0} steps'),
    N_('momentum on the saddle: left the region after {0} steps'),
    N_('rmsprop on the bowl: left the region after {0} steps'),
    N_('rmsprop on the rosenbrock: left the region after {0} steps'),
    N_('rmsprop on the saddle: left the region after {0} steps'),
    N_('adam on the bowl: left the region after {0} steps'),
    N_('adam on the rosenbrock: left the region after {0} steps'),
    N_('adam on the saddle: left the region after {0} steps'),
    # 08_beyond_adam
    N_('nesterov {0}, lr {1}'), N_('warm-up {0}, cosine to step {1}'), N_('optimizer step t'),
    N_('digits: cost per epoch'), N_('momentum (beta {0}), lr {1}'),
    N_('nesterov (beta {0}), lr {1}'), N_('adamw (decay {0}), lr {1}'),
    N_('adamw + warm-up cosine, lr {0}'),
)


def _translating(get_wrapped_text):
    """``Text._get_wrapped_text`` drawing the translation of the text's string.

    Matplotlib reads a text's string for drawing *and* for measuring it (legend frames, tight
    layout, saved bounding boxes) through this one method, so the Chinese is both drawn and
    measured, and the artist keeps its English string (``get_text()``, the notebook's code).
    """
    import functools

    from helpers import language as lang

    @functools.wraps(get_wrapped_text)
    def wrapped(self):
        text = self._text
        drawn, looked_up = lang.figure_lookups(text, LANGUAGE or "en")
        for shape, found in looked_up.items():
            DRAWN_TEXTS[shape] = DRAWN_TEXTS.get(shape, False) or found
        if drawn == text:
            return get_wrapped_text(self)
        if _CJK_FAMILY and _chinese_with_maths(drawn):
            _chinese_first(self)
        self._text = drawn
        try:
            return get_wrapped_text(self)
        finally:
            self._text = text

    wrapped.translates_figure_text = True
    return wrapped


_CJK_CHARACTERS = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _chinese_with_maths(drawn: str) -> bool:
    from helpers import language as lang

    return any(lang.has_maths(line) and _CJK_CHARACTERS.search(line)
               for line in drawn.split("\n"))


def _chinese_first(text) -> None:
    """Give ``text`` (a matplotlib Text) the Chinese font first in its family.

    Mathtext draws the words between a line's maths with the first font of the family alone, so
    a translated line with maths needs the Chinese font there (its Latin letters and digits then
    come from it too); the maths keeps mathtext's own fonts. The artist keeps this font, so that
    it is measured and drawn with the same one.
    """
    families = list(text.get_fontproperties().get_family())
    if families[:1] == [_CJK_FAMILY]:
        return
    properties = text.get_fontproperties().copy()
    properties.set_family([_CJK_FAMILY, *[f for f in families if f != _CJK_FAMILY]])
    text._fontproperties = properties


def _translate_figure_text(on: bool) -> None:
    """Install (``on``) or remove the draw-time translation of figure text; idempotent."""
    from matplotlib.text import Text

    installed = getattr(Text._get_wrapped_text, "translates_figure_text", False)
    if on and not installed:
        Text._get_wrapped_text = _translating(Text._get_wrapped_text)
    elif not on and installed:
        Text._get_wrapped_text = Text._get_wrapped_text.__wrapped__
