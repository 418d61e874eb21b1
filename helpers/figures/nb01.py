"""Concept figures of notebook 01, gradient descent.

Each function draws one figure that does not depend on the learner's code, so a self-learner
reading the notebook on GitHub sees it without running anything. Regenerate with
``python -m helpers.figures --only 01_network.png`` (or without ``--only`` for every figure).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyArrowPatch

from helpers import plots
from helpers.figures import figure
from helpers.language import N_

#: The figures' texts, as their shapes (numbers and maths are holes), for the helpers'
#: catalogue: drawn in Chinese under plots.use_language("zh-CN") (make figures).
TEXTS = (
    N_('input {0}'), N_('layer {0}: ReLU'), N_('layer {0}: sigmoid'), N_('= P(class {0})'),
    N_("The course's network: layers_dims = ({0}, {1}, {2}, {3}), {4} layers with weights"),
    N_('cost {0}'), N_('tangent: slope {0} = {1}'), N_('step {0} = +{1}'), N_('parameter {0}'),
    N_('One gradient step with learning rate {0} = {1}'), N_('too small: {0} = {1}'),
    N_('about right: {0} = {1}'), N_('too large: {0} = {1}'), N_('factor {0} = {1} per step'),
    N_('factor {0} = +{1} per step'),
)

LAYER_SIZES = (2, 5, 2, 1)


@figure("01_network.png")
def network_architecture():
    """The 2-5-2-1 network: neurons as circles, every weight as a line, shapes underneath."""
    fig, ax = plots.figure(width=8.0, height=4.2)
    ax.set_axis_off()
    xs = np.arange(len(LAYER_SIZES)) * 2.2
    positions = []
    for x, size in zip(xs, LAYER_SIZES, strict=True):
        ys = ((size - 1) / 2 - np.arange(size)) * 0.9
        positions.append([(x, y) for y in ys])
    for left, right in zip(positions[:-1], positions[1:], strict=True):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color="#9A9A9A", linewidth=0.8, zorder=1)
    names = ("input $x$", "layer 1: ReLU", "layer 2: ReLU", "layer 3: sigmoid")
    fills = ("#FFFFFF", plots.COLORS["gd"], plots.COLORS["gd"], plots.COLORS["adam"])
    for layer, (column, name, fill) in enumerate(zip(positions, names, fills, strict=True)):
        for x, y in column:
            ax.add_patch(_circle(x, y, fill))
        ax.text(column[0][0], 2.75, name, ha="center", va="bottom", fontsize=10)
        if layer == 0:
            for index, (x, y) in enumerate(column, start=1):
                ax.text(x - 0.45, y, f"$x_{index}$", ha="right", va="center", fontsize=11)
        else:
            n_out, n_in = LAYER_SIZES[layer], LAYER_SIZES[layer - 1]
            ax.text(column[0][0], -2.55,
                    f"$W^{{[{layer}]}}$: ({n_out}, {n_in})\n$b^{{[{layer}]}}$: ({n_out}, 1)",
                    ha="center", va="top", fontsize=10)
    x_out, y_out = positions[-1][0]
    ax.annotate("$\\hat y = a^{[3]}$\n= P(class 1)", xy=(x_out + 0.32, y_out),
                xytext=(x_out + 0.9, y_out), va="center", fontsize=11,
                arrowprops={"arrowstyle": "<-", "color": "#444444"})
    ax.set_xlim(-1.2, xs[-1] + 2.6)
    ax.set_ylim(-3.6, 3.2)
    ax.set_aspect("equal")
    ax.set_title("The course's network: layers_dims = (2, 5, 2, 1), 3 layers with weights")
    return fig


def _circle(x, y, fill):
    from matplotlib.patches import Circle

    return Circle((x, y), 0.28, facecolor=fill, edgecolor="#333333", linewidth=1.2, zorder=2)


def _cost(w):
    """A 1-D cost with a single minimum at w = 1 (slightly asymmetric, so it is not a toy bowl)."""
    return 0.5 * (w - 1.0) ** 2 + 0.08 * (w - 1.0) ** 3 / (1 + 0.1 * (w - 1.0) ** 2)


def _slope(w, h=1e-6):
    return (_cost(w + h) - _cost(w - h)) / (2 * h)


@figure("01_one_step.png")
def one_gradient_step():
    """One step of gradient descent on a 1-D cost: the tangent's slope, and the step against it."""
    fig, ax = plots.figure(width=7.0, height=4.2)
    ws = np.linspace(-2.6, 3.2, 400)
    ax.plot(ws, _cost(ws), color="#333333", label="cost $J(w)$")
    w0, learning_rate = -1.8, 0.5
    slope = _slope(w0)
    w1 = w0 - learning_rate * slope
    tangent = np.linspace(w0 - 0.8, w0 + 0.8, 2)
    ax.plot(tangent, _cost(w0) + slope * (tangent - w0), color=plots.COLORS["momentum"],
            linestyle="--", label=f"tangent: slope $dJ/dw$ = {slope:.2f}")
    ax.plot([w0], [_cost(w0)], "o", color=plots.COLORS["gd"], markersize=8)
    ax.plot([w1], [_cost(w1)], "o", color=plots.COLORS["minibatch"], markersize=8)
    ax.add_patch(FancyArrowPatch((w0, -0.35), (w1, -0.35), arrowstyle="-|>", mutation_scale=16,
                                 color=plots.COLORS["gd"], linewidth=1.6))
    ax.text((w0 + w1) / 2, -0.28, f"step $-\\alpha\\, dJ/dw$ = {-learning_rate * slope:+.2f}",
            ha="center", va="bottom", fontsize=10)
    ax.annotate(f"$w_0$ = {w0:.1f}, $J$ = {_cost(w0):.2f}", (w0, _cost(w0)),
                xytext=(12, 4), textcoords="offset points", fontsize=10)
    ax.annotate(f"$w_1$ = {w1:.2f}, $J$ = {_cost(w1):.2f}", (w1, _cost(w1)),
                xytext=(10, 10), textcoords="offset points", fontsize=10)
    ax.axhline(-0.35, color="#BBBBBB", linewidth=0.6, zorder=0)
    ax.set_xlabel("parameter $w$")
    ax.set_ylabel("cost")
    ax.set_ylim(-0.6, 4.4)
    ax.set_title(f"One gradient step with learning rate $\\alpha$ = {learning_rate}")
    ax.legend(loc="upper right")
    return fig


@figure("01_step_sizes.png")
def step_sizes():
    """Steps on J(w) = w^2 / 2 with a learning rate too small, about right and too large."""
    fig, axes = plots.figure(ncols=3)
    cases = (("too small", 0.15, 3.2), ("about right", 0.8, 3.2), ("too large", 2.05, 4.4))
    for ax, (name, learning_rate, half_width) in zip(axes, cases, strict=True):
        w, path = -2.5, [-2.5]
        for _ in range(10):
            w = w - learning_rate * w  # dJ/dw = w for J = w^2 / 2
            path.append(w)
        path = np.array(path)
        ws = np.linspace(-half_width, half_width, 300)
        ax.plot(ws, 0.5 * ws**2, color="#333333", linewidth=1.2)
        color = plots.COLORS["momentum"] if learning_rate > 2 else plots.COLORS["gd"]
        ax.plot(path, 0.5 * path**2, "-o", color=color, markersize=4, linewidth=1.0)
        ax.plot(path[0], 0.5 * path[0] ** 2, "o", markersize=9, markerfacecolor="none",
                markeredgecolor="black")
        ax.set_title(f"{name}: $\\alpha$ = {learning_rate}\nfactor $1-\\alpha$ = "
                     f"{1 - learning_rate:+.2f} per step")
        ax.set_xlabel("parameter $w$")
        ax.set_ylim(-0.2, 0.5 * half_width**2 + 0.3)
    axes[0].set_ylabel("cost $J(w) = w^2/2$")
    return fig
