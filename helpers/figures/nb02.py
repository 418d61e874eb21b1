"""Concept figures of notebook 02, stochastic and mini-batch gradient descent.

Regenerate with ``python -m helpers.figures --only 02_partition.png`` (or all figures).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from helpers import plots
from helpers.figures import figure
from helpers.language import N_

#: The figures' texts, as their shapes (numbers and maths are holes), for the helpers'
#: catalogue: drawn in Chinese under plots.use_language("zh-CN") (make figures).
TEXTS = (
    N_('(in order)'), N_('m = {0} examples, one column each'),
    N_('shuffle the columns of X and Y with the same permutation'), N_('{0} columns'),
    N_('(the last,'), N_('smaller one)'), N_('shuffled,'), N_('cut'),
    N_('batch GD, {0} examples per step'), N_('mini-batch GD, {0} per step'),
    N_('stochastic GD, {0} per step'), N_('batch GD'), N_('mini-batch GD'), N_('stochastic GD'),
    N_('weight {0}'), N_('bias {0}'), N_('{0} steps, {1} = {2}'), N_('final cost {0} (best {1})'),
    N_('The same cost, the same steps: smaller batches give noisier directions'),
)


@figure("02_partition.png")
def shuffle_and_partition():
    """300 columns shuffled with one permutation, then cut into 4 batches of 64 and one of 44."""
    m, size = 300, 64
    rng = np.random.default_rng(1)
    order = rng.permutation(m)
    cmap = plots.plt.get_cmap("viridis")
    fig, ax = plots.figure(width=10.0, height=3.6)
    ax.set_axis_off()
    bar_height, gap = 1.0, 0.16
    # Row 1: the examples in their original order, coloured by their index.
    for column in range(m):
        ax.add_patch(Rectangle((column, 3.0), 1, bar_height, color=cmap(column / m), lw=0))
    ax.text(-6, 3.5, "X, Y\n(in order)", ha="right", va="center", fontsize=10)
    ax.text(m / 2, 4.15, f"m = {m} examples, one column each", ha="center", va="bottom",
            fontsize=10)
    ax.add_patch(FancyArrowPatch((m / 2, 2.9), (m / 2, 2.15), arrowstyle="-|>",
                                 mutation_scale=14, color="#444444"))
    ax.text(m / 2 + 4, 2.5, "shuffle the columns of X and Y with the same permutation",
            ha="left", va="center", fontsize=10)
    # Row 2: shuffled and cut into mini-batches, a small gap between batches.
    x = 0.0
    for index, start in enumerate(range(0, m, size), start=1):
        stop = min(start + size, m)
        for position in range(start, stop):
            ax.add_patch(Rectangle((x + position - start, 1.0), 1, bar_height,
                                   color=cmap(order[position] / m), lw=0))
        width = stop - start
        ax.add_patch(Rectangle((x, 1.0), width, bar_height, fill=False, ec="#222222", lw=1.0))
        last = "\n(the last,\nsmaller one)" if width < size else ""
        ax.text(x + width / 2, 0.85, f"mini-batch {index}\n{width} columns{last}", ha="center",
                va="top", fontsize=9)
        x += width + gap * size / 4
    ax.text(-6, 1.5, "shuffled,\ncut", ha="right", va="center", fontsize=10)
    ax.set_xlim(-40, x + 12)  # room on the right for the last batch's three-line label
    ax.set_ylim(-1.0, 4.6)
    ax.set_title(f"random_mini_batches(X, Y, mini_batch_size={size}): "
                 f"{m} = 4 x {size} + {m - 4 * size}")
    return fig


class _LeastSquares:
    """A 2-parameter least-squares cost, shaped like helpers.surfaces.Surface for plotting."""

    name = "least squares"

    def __init__(self, seed=0, m=300):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(1.0, 0.6, size=m)
        self.y = 2.0 * self.x - 1.0 + rng.normal(0.0, 0.5, size=m)
        design = np.column_stack([self.x, np.ones(m)])
        self.minimum = np.linalg.lstsq(design, self.y, rcond=None)[0]
        self.xlim, self.ylim = (-1.5, 4.0), (-3.5, 3.5)

    def f(self, p):
        return 0.5 * float(np.mean((p[0] * self.x + p[1] - self.y) ** 2))

    def grad(self, p, idx=None):
        x = self.x if idx is None else self.x[idx]
        y = self.y if idx is None else self.y[idx]
        residual = p[0] * x + p[1] - y
        return np.array([np.mean(residual * x), np.mean(residual)])

    def __call__(self, w, b):
        w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
        x, y = self.x, self.y
        # 0.5 mean((w x + b - y)^2) expanded, so it vectorises over grids.
        return 0.5 * (w**2 * np.mean(x * x) + b**2 + np.mean(y * y) + 2 * w * b * np.mean(x)
                      - 2 * w * np.mean(x * y) - 2 * b * np.mean(y))


@figure("02_gradient_noise.png")
def gradient_noise():
    """Same learning rate and number of steps with batches of 300, 16 and 1 example(s)."""
    surface = _LeastSquares()
    m = surface.x.size
    learning_rate, num_steps = 0.3, 100
    fig, axes = plots.figure(ncols=3)
    cases = (("batch GD, 300 examples per step", m), ("mini-batch GD, 16 per step", 16),
             ("stochastic GD, 1 per step", 1))
    rng = np.random.default_rng(3)
    for ax, (label, batch_size) in zip(axes, cases, strict=True):
        p = np.array([-1.0, 2.8])
        path = [p.copy()]
        order = rng.permutation(m)
        position = 0
        for _ in range(num_steps):
            if batch_size == m:
                idx = None
            else:
                if position + batch_size > m:
                    order, position = rng.permutation(m), 0
                idx = order[position:position + batch_size]
                position += batch_size
            p = p - learning_rate * surface.grad(p, idx)
            path.append(p.copy())
        path = np.array(path)
        plots.plot_trajectories(surface, {label.split(",")[0]: path}, ax=ax, title=label,
                                legend_loc="upper right")
        ax.set_xlabel("weight $w$")
        ax.set_ylabel("bias $b$")
        ax.text(0.02, 0.03, f"{num_steps} steps, $\\alpha$ = {learning_rate}\nfinal cost "
                f"{surface.f(path[-1]):.3f} (best {surface.f(surface.minimum):.3f})",
                transform=ax.transAxes, fontsize=9, va="bottom")
    fig.suptitle("The same cost, the same steps: smaller batches give noisier directions")
    return fig
