"""Concept figures of notebook 04, RMSprop.

They do not depend on the learner's code (the two update rules are written out below in a few
lines of numpy), so a self-learner reading the notebook on GitHub sees them without running
anything. Regenerate with ``python -m helpers.figures --only 04_bowl_steps.png``.
"""

from __future__ import annotations

import numpy as np

from helpers import plots, surfaces
from helpers.figures import figure
from helpers.language import N_

#: The figures' texts, as their shapes (numbers and maths are holes), for the helpers'
#: catalogue: drawn in Chinese under plots.use_language("zh-CN") (make figures).
TEXTS = (
    N_('RMSprop, lr {0}, beta2 {1}'), N_('{0} steps on the bowl {1}'),
    N_('GD: |step along x| (gentle axis)'), N_('GD: |step along y| (steep axis)'),
    N_('RMSprop: |step along x| (gentle axis)'), N_('RMSprop: |step along y| (steep axis)'),
    N_('length of the step along each axis'),
    N_('GD: the steep axis gets {0} times the push of the gentle one.'),
    N_('RMSprop: at first, the same length along both axes.'),
    N_('{0} (epsilon outside: this course, PyTorch)'), N_('{0} (epsilon inside: Keras RMSprop)'),
    N_('cap {0}'), N_('running mean of squared gradients {0}'),
    N_('factor the gradient is multiplied by'), N_('{0}: the two placements agree only when {1}'),
    N_('Adagrad, lr {0}'), N_('Adagrad after {0} steps'), N_('RMSprop after {0} steps'),
    N_('(distance {0})'), N_('Adagrad: along x (gentle axis)'), N_('Adagrad: along y (steep axis)'),
    N_('RMSprop: along x (gentle axis)'), N_('RMSprop: along y (steep axis)'),
    N_('rate per coordinate  {0}'), N_("Adagrad's rates can only fall;"),
    N_("RMSprop's rise again as the gradients shrink"),
)

GD_LEARNING_RATE = 0.09  # just under 2 / condition = 0.1, the largest rate GD survives
RMSPROP_LEARNING_RATE = 0.2
RMSPROP_BETA2 = 0.9
NUM_STEPS = 40


def _paths_on_bowl(bowl):
    """Points visited by GD and by RMSprop on ``bowl``: two ndarrays of shape (k, 2)."""
    gd_point = bowl.start.astype(float)
    rms_point = bowl.start.astype(float)
    second_moment = np.zeros(2)
    gd_path, rms_path = [gd_point], [rms_point]
    for _ in range(NUM_STEPS):
        gd_point = gd_point - GD_LEARNING_RATE * bowl.grad(gd_point)
        gradient = bowl.grad(rms_point)
        second_moment = RMSPROP_BETA2 * second_moment + (1 - RMSPROP_BETA2) * gradient**2
        rms_point = rms_point - RMSPROP_LEARNING_RATE * gradient / (np.sqrt(second_moment)
                                                                    + 1e-8)
        gd_path.append(gd_point)
        rms_path.append(rms_point)
    return np.array(gd_path), np.array(rms_path)


@figure("04_bowl_steps.png")
def bowl_steps():
    """GD against RMSprop on the ill-conditioned bowl: paths, and step length per coordinate."""
    bowl = surfaces.bowl()
    gd_path, rms_path = _paths_on_bowl(bowl)
    fig, (left, right) = plots.figure(ncols=2, width=11.0, height=4.3)
    plots.plot_trajectories(
        bowl, {f"GD, lr {GD_LEARNING_RATE}": gd_path,
               f"RMSprop, lr {RMSPROP_LEARNING_RATE}, beta2 {RMSPROP_BETA2}": rms_path},
        ax=left, title=f"{NUM_STEPS} steps on the bowl $\\frac{{1}}{{2}}(x^2 + 20\\,y^2)$",
        legend_loc="lower right")
    shown = 12  # the first steps, before both methods have (nearly) arrived
    steps = np.arange(1, shown + 1)
    for path, method in ((gd_path, "GD"), (rms_path, "RMSprop")):
        moves = np.abs(np.diff(path, axis=0))[:shown]
        color = plots.color_for(method)
        right.plot(steps, moves[:, 0], color=color, linestyle="-", marker="o",
                   markersize=4, label=f"{method}: |step along x| (gentle axis)")
        right.plot(steps, moves[:, 1], color=color, linestyle="--", marker="s",
                   markersize=4, label=f"{method}: |step along y| (steep axis)")
    right.set_xlabel("step")
    right.set_ylabel("length of the step along each axis")
    right.set_title("GD: the steep axis gets 7.5 times the push of the gentle one.\n"
                    "RMSprop: at first, the same length along both axes.", fontsize=11)
    right.set_xticks(steps)
    right.legend(loc="upper right", fontsize=8)
    return fig


@figure("04_epsilon_placement.png")
def epsilon_placement():
    """How much a gradient is multiplied by, 1/(sqrt(s)+eps) against 1/sqrt(s+eps)."""
    epsilon = 1e-8
    s = np.logspace(-22, 0, 400)
    outside = 1 / (np.sqrt(s) + epsilon)
    inside = 1 / np.sqrt(s + epsilon)
    fig, ax = plots.figure(width=7.0, height=4.3)
    ax.loglog(s, outside, color=plots.color_for("rmsprop"), linewidth=2.2,
              label=r"$1/(\sqrt{s}+\varepsilon)$ (epsilon outside: this course, PyTorch)")
    ax.loglog(s, inside, color="#555555", linewidth=2.0, linestyle="--",
              label=r"$1/\sqrt{s+\varepsilon}$ (epsilon inside: Keras RMSprop)")
    ax.axhline(1 / epsilon, color=plots.color_for("rmsprop"), linewidth=0.8, linestyle=":")
    ax.axhline(1 / np.sqrt(epsilon), color="#555555", linewidth=0.8, linestyle=":")
    ax.axvline(epsilon, color="black", linewidth=0.8, linestyle=":")
    ax.text(1e-21, 1 / epsilon * 1.6, r"cap $1/\varepsilon = 10^{8}$", fontsize=9)
    ax.text(1e-21, 1 / np.sqrt(epsilon) * 1.6, r"cap $1/\sqrt{\varepsilon} = 10^{4}$",
            fontsize=9)
    ax.text(epsilon * 1.5, 3, r"$s = \varepsilon$", fontsize=9)
    ax.set_xlabel(r"running mean of squared gradients $s$")
    ax.set_ylabel("factor the gradient is multiplied by")
    ax.set_title(r"$\varepsilon = 10^{-8}$: the two placements agree only when $s \gg \varepsilon$")
    ax.set_ylim(0.5, 1e9)
    ax.legend(loc="lower left", fontsize=9)
    return fig


ADAGRAD_LEARNING_RATE = 0.2  # the same rate as RMSprop above, for a like-for-like picture
ADAGRAD_NUM_STEPS = 100


def _adagrad_and_rmsprop_on_bowl(bowl):
    """Paths (k + 1, 2) and per-coordinate rates lr / (sqrt(s) + eps) (k, 2) of both rules."""
    results = {}
    for method in ("Adagrad", "RMSprop"):
        point = bowl.start.astype(float)
        second_moment = np.zeros(2)
        path, rates = [point], []
        for _ in range(ADAGRAD_NUM_STEPS):
            gradient = bowl.grad(point)
            if method == "Adagrad":  # a running *sum*: it only ever grows
                second_moment = second_moment + gradient**2
            else:  # a running *mean*: old gradients fade out
                second_moment = (RMSPROP_BETA2 * second_moment
                                 + (1 - RMSPROP_BETA2) * gradient**2)
            rate = ADAGRAD_LEARNING_RATE / (np.sqrt(second_moment) + 1e-8)
            point = point - rate * gradient
            path.append(point)
            rates.append(rate)
        results[method] = (np.array(path), np.array(rates))
    return results


@figure("04_adagrad_vs_rmsprop.png")
def adagrad_vs_rmsprop():
    """Adagrad (sum of squared gradients) against RMSprop (mean) on the bowl, same rate."""
    bowl = surfaces.bowl()
    results = _adagrad_and_rmsprop_on_bowl(bowl)
    fig, (left, right) = plots.figure(ncols=2, width=11.5, height=4.4)
    labels = {"Adagrad": f"Adagrad, lr {ADAGRAD_LEARNING_RATE}",
              "RMSprop": f"RMSprop, lr {ADAGRAD_LEARNING_RATE}, beta2 {RMSPROP_BETA2}"}
    colors = {method: plots.color_for(label) for method, label in labels.items()}
    plots.plot_trajectories(
        bowl, {labels[m]: results[m][0] for m in ("Adagrad", "RMSprop")}, ax=left,
        title=f"{ADAGRAD_NUM_STEPS} steps on the bowl $\\frac{{1}}{{2}}(x^2 + 20\\,y^2)$",
        legend_loc="lower right")
    for method in ("Adagrad", "RMSprop"):  # where each one is after the last step
        end = results[method][0][-1]
        left.plot(*end, marker="D", markersize=8, color=colors[method], linestyle="none")
        distance = float(np.hypot(*end))
        left.annotate(f"{method} after {ADAGRAD_NUM_STEPS} steps\n(distance {distance:.2f})",
                      xy=end, xytext=(end[0] - 0.4, end[1] + 0.75 if method == "Adagrad"
                                      else end[1] - 0.95),
                      fontsize=9, color=colors[method], ha="center",
                      arrowprops={"arrowstyle": "->", "color": colors[method]})
    steps = np.arange(1, ADAGRAD_NUM_STEPS + 1)
    for method in ("Adagrad", "RMSprop"):
        rates = results[method][1]
        right.semilogy(steps, rates[:, 0], color=colors[method], linestyle="-", linewidth=2,
                       label=f"{method}: along x (gentle axis)")
        right.semilogy(steps, rates[:, 1], color=colors[method], linestyle="--", linewidth=2,
                       label=f"{method}: along y (steep axis)")
    right.set_xlabel("step")
    right.set_ylabel(r"rate per coordinate  $\alpha / (\sqrt{s} + \varepsilon)$")
    right.set_title("Adagrad's rates can only fall;\nRMSprop's rise again as the gradients shrink",
                    fontsize=11)
    right.legend(loc="upper left", fontsize=8)
    return fig
