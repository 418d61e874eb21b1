"""Concept figures of notebook 03, momentum.

Regenerate with ``python -m helpers.figures --only 03_ewma_memory.png`` (or all figures).
"""

from __future__ import annotations

import numpy as np

from helpers import plots, surfaces
from helpers.figures import figure
from helpers.language import N_

#: The figures' texts, as their shapes (numbers and maths are holes), for the helpers'
#: catalogue: drawn in Chinese under plots.use_language("zh-CN") (make figures).
TEXTS = (
    N_('{0} = {1}: about {2} steps'), N_('age {0} of a value (steps ago)'),
    N_('{0} falls to {1} after about {2} steps (dots)'),
    N_('The weight each past value gets in {0}'), N_('noisy values'), N_('step {0}'), N_('value'),
    N_('Larger {0}: smoother, but later'), N_('The first steps: starting from {0} biases {1} low'),
    N_('learning rate {0}: GD zig-zags, momentum swings'),
    N_('learning rate {0} > {1}/{2}: GD diverges'), N_('gd, its best lr {0}/{1} = {2}'),
    N_('momentum, its best pair: lr {0}, beta {1}'),
    N_('each with its own best settings, {0} steps'), N_('{0}: rate {1} against {2} per step'),
)

BETAS = (0.5, 0.9, 0.98)
BETA_COLORS = ("#56B4E9", "#D55E00", "#332288")


def ewma(values, beta):
    """The exponentially weighted average of a 1-D sequence, starting from 0 (no correction).

    values : ndarray of shape (n,); beta : float in [0, 1). Returns ndarray of shape (n,).
    """
    average, out = 0.0, np.empty(len(values))
    for t, value in enumerate(values):
        average = beta * average + (1 - beta) * value
        out[t] = average
    return out


@figure("03_ewma_memory.png")
def ewma_memory():
    """How much an average with beta still remembers of a value k steps old."""
    fig, (left, right) = plots.figure(ncols=2)
    ks = np.arange(0, 151)
    for beta, color in zip(BETAS, BETA_COLORS, strict=True):
        horizon = 1 / (1 - beta)
        left.plot(ks, beta**ks, color=color, label=f"$\\beta$ = {beta}")
        left.plot([horizon], [beta**horizon], "o", color=color, markersize=7)
        right.plot(ks, (1 - beta) * beta**ks, color=color,
                   label=f"$\\beta$ = {beta}: about {horizon:.0f} steps")
    left.axhline(np.exp(-1), color="#555555", linestyle=":", linewidth=1.0)
    left.text(150, np.exp(-1) + 0.02, "$1/e \\approx 0.37$", ha="right", va="bottom",
              fontsize=10)
    left.set_xlabel("age $k$ of a value (steps ago)")
    left.set_ylabel("$\\beta^k$")
    left.set_title("$\\beta^k$ falls to $1/e$ after about $1/(1-\\beta)$ steps (dots)")
    left.legend()
    right.set_xlabel("age $k$ of a value (steps ago)")
    right.set_ylabel("weight $(1-\\beta)\\,\\beta^k$")
    right.set_yscale("log")
    right.set_ylim(1e-4, 1)
    right.set_title("The weight each past value gets in $v_t$")
    right.legend()
    return fig


def noisy_signal(n=200, seed=0):
    """A slow wave plus noise: the kind of sequence gradients of one weight look like."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 2.0 + np.sin(2 * np.pi * t / 120) + rng.normal(0.0, 0.6, size=n)


@figure("03_ewma_noisy.png")
def ewma_noisy():
    """A noisy signal smoothed with several beta, and the bias of the first steps."""
    fig, (left, right) = plots.figure(ncols=2)
    signal = noisy_signal()
    steps = np.arange(1, signal.size + 1)
    for ax in (left, right):
        ax.plot(steps, signal, ".", color="#9A9A9A", markersize=3.5, label="noisy values")
        for beta, color in zip(BETAS, BETA_COLORS, strict=True):
            ax.plot(steps, ewma(signal, beta), color=color, label=f"$\\beta$ = {beta}")
        ax.set_xlabel("step $t$")
    left.set_ylabel("value")
    left.set_ylim(-0.5, 5.2)
    left.set_title("Larger $\\beta$: smoother, but later")
    left.legend(loc="upper center", ncols=4, fontsize=9)
    right.set_xlim(0.5, 30)
    right.set_ylim(-0.2, 4.5)
    right.set_title("The first steps: starting from $v_0 = 0$ biases $v_t$ low")
    right.legend(loc="lower right")
    return fig


def _path(rule, surface, learning_rate, num_steps, beta, stop_outside=True):
    point = np.array(surface.start, dtype=float)
    velocity = np.zeros(2)
    path = [point.copy()]
    for _ in range(num_steps):
        gradient = surface.grad(point)
        if rule == "gd":
            point = point - learning_rate * gradient
        else:
            velocity = beta * velocity + (1 - beta) * gradient
            point = point - learning_rate * velocity
        path.append(point.copy())
        outside_x = not surface.xlim[0] <= point[0] <= surface.xlim[1]
        outside = outside_x or not surface.ylim[0] <= point[1] <= surface.ylim[1]
        if stop_outside and outside:
            break  # diverging: one point outside the drawn box is enough to see it
    return np.array(path)


@figure("03_momentum_bowl.png")
def momentum_on_the_bowl():
    """Plain GD and momentum (beta 0.9) from the same start with the same learning rate."""
    bowl = surfaces.bowl()
    fig, axes = plots.figure(ncols=2)
    titles = {0.09: "learning rate 0.09: GD zig-zags, momentum swings",
              0.11: "learning rate 0.11 > 2/20: GD diverges"}
    for ax, (learning_rate, title) in zip(axes, titles.items(), strict=True):
        paths = {f"gd, lr {learning_rate}": _path("gd", bowl, learning_rate, 60, 0.0),
                 f"momentum 0.9, lr {learning_rate}": _path("momentum", bowl, learning_rate,
                                                            60, 0.9)}
        plots.plot_trajectories(bowl, paths, ax=ax, legend_loc="lower right",
                                title=title)
    return fig


def tuned_pair(mu=1.0, big_l=20.0):
    """The heavy-ball pair that is optimal on a quadratic with curvatures in [mu, big_l]
    (Polyak 1964), in this course's (1 - beta) convention.

    Returns (beta, alpha): beta = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))**2 with
    kappa = big_l / mu, and alpha = eta / (1 - beta) = 1 / sqrt(mu * big_l), where
    eta = 4 / (sqrt(big_l) + sqrt(mu))**2 is the step of the undamped (PyTorch) form.
    """
    root_kappa = np.sqrt(big_l / mu)
    beta = ((root_kappa - 1) / (root_kappa + 1)) ** 2
    eta = 4 / (np.sqrt(big_l) + np.sqrt(mu)) ** 2
    return beta, eta / (1 - beta)


@figure("03_momentum_tuned.png")
def momentum_tuned():
    """GD at its best rate 2/21 against momentum with its own best (alpha, beta), 60 steps."""
    bowl = surfaces.bowl()
    kappa = 20.0
    beta, alpha = tuned_pair(1.0, kappa)
    gd_alpha = 2 / (1 + kappa)
    runs = {f"gd, its best lr 2/21 = {gd_alpha:.3f}": _path("gd", bowl, gd_alpha, 60, 0.0,
                                                             stop_outside=False),
            f"momentum, its best pair: lr {alpha:.3f}, beta {beta:.3f}":
                _path("momentum", bowl, alpha, 60, beta, stop_outside=False)}
    fig, (left, right) = plots.figure(ncols=2)
    plots.plot_trajectories(bowl, runs, ax=left, legend_loc=None,
                            title="each with its own best settings, 60 steps")
    # Below the axes: inside, any corner covers part of GD's zig-zag or momentum's swings.
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=9)
    steps = np.arange(61)
    start = np.linalg.norm(bowl.start)
    for (label, path), color in zip(runs.items(), (plots.COLORS["gd"], plots.COLORS["momentum"]),
                                    strict=True):
        right.plot(steps, np.linalg.norm(path, axis=1), color=color, label=label)
    right.plot(steps, start * ((kappa - 1) / (kappa + 1)) ** steps, color=plots.COLORS["gd"],
               linestyle=":", linewidth=1.2, label=r"$0.905^t$: $(\kappa-1)/(\kappa+1)$")
    right.plot(steps, start * np.sqrt(beta) ** steps, color=plots.COLORS["momentum"],
               linestyle=":", linewidth=1.2,
               label=r"$0.635^t$: $(\sqrt{\kappa}-1)/(\sqrt{\kappa}+1)$")
    right.set_yscale("log")
    right.set_ylim(1e-13, 10)
    right.set_xlabel("step $t$")
    right.set_ylabel("distance to the minimum")
    right.set_title(r"$\kappa = 20$: rate 0.905 against 0.635 per step")
    right.legend(loc="lower left", fontsize=9)
    return fig
