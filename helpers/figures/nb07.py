"""Concept figures of notebook 07, the comparison of the optimizers.

None depends on the learner's code: the four update rules are written out below in a few
lines of numpy, for one number (a 1-D parameter) or a 2-D point. Regenerate with
``python -m helpers.figures --only 07_same_gradients.png`` (or ``07_explorer_grid.png``).
"""

from __future__ import annotations

import numpy as np

from helpers import plots, surfaces
from helpers.figures import figure
from helpers.language import N_

#: The figures' texts, as their shapes (numbers and maths are holes), for the helpers'
#: catalogue: drawn in Chinese under plots.use_language("zh-CN") (make figures).
TEXTS = (
    N_('momentum, {0} = {1}'), N_('parameter {0} (gradients ~ {1})'),
    N_('size of the step, {0} = {1} (dashed)'), N_('no bias correction:'),
    N_('first steps too big'), N_('learning rate {0}, beta {1}'),
    N_('learning rate {0}, beta {1} (plain GD)'), N_('after {0} steps: {1} from the minimum'),
)

EPSILON = 1e-8


def steps_from_gradients(gradients, method, learning_rate, beta=0.9, beta2=0.999):
    """The step (change of the parameter) each update rule takes for a sequence of gradients.

    gradients : ndarray of shape (k,) or (k, 2), one gradient per step
    method : "gd", "momentum", "rmsprop" or "adam"
    Returns an ndarray of the same shape as ``gradients``: step t is ``-learning_rate * ...``.
    """
    gradients = np.asarray(gradients, dtype=float)
    velocity = np.zeros(gradients.shape[1:])
    second_moment = np.zeros(gradients.shape[1:])
    steps = np.empty_like(gradients)
    for t, gradient in enumerate(gradients, start=1):
        if method == "gd":
            direction = gradient
        elif method == "momentum":
            velocity = beta * velocity + (1 - beta) * gradient
            direction = velocity
        elif method == "rmsprop":
            second_moment = beta2 * second_moment + (1 - beta2) * gradient**2
            direction = gradient / (np.sqrt(second_moment) + EPSILON)
        elif method == "adam":
            velocity = beta * velocity + (1 - beta) * gradient
            second_moment = beta2 * second_moment + (1 - beta2) * gradient**2
            corrected_velocity = velocity / (1 - beta**t)
            corrected_second_moment = second_moment / (1 - beta2**t)
            direction = corrected_velocity / (np.sqrt(corrected_second_moment) + EPSILON)
        else:
            raise ValueError(f"unknown method {method!r}")
        steps[t - 1] = -learning_rate * direction
    return steps


@figure("07_same_gradients.png")
def same_gradients():
    """Four update rules fed the same noisy gradients of two parameters of different scales."""
    rng = np.random.default_rng(7)
    num_steps = 200
    noise = rng.standard_normal((num_steps, 2))
    # parameter 1 has gradients around 1, parameter 2 a hundred times smaller ones
    gradients = np.array([1.0, 0.01]) * (1.0 + 0.5 * noise)
    learning_rate = 0.01
    fig, axes = plots.figure(ncols=4, width=14.0, height=3.8, sharey=True)
    t = np.arange(1, num_steps + 1)
    titles = {"gd": "GD",
              "momentum": r"momentum, $\beta$ = 0.9",
              "rmsprop": r"RMSprop, $\beta_2$ = 0.999",
              "adam": "Adam, 0.9 / 0.999"}
    for ax, (method, title) in zip(axes, titles.items(), strict=True):
        steps = np.abs(steps_from_gradients(gradients, method, learning_rate))
        color = plots.color_for(method)
        ax.plot(t, steps[:, 0], color=color, linewidth=1.2, label="parameter 1 (gradients ~ 1)")
        ax.plot(t, steps[:, 1], color=color, linewidth=1.2, linestyle=":",
                label="parameter 2 (gradients ~ 0.01)")
        ax.axhline(learning_rate, color="#555555", linewidth=0.8, linestyle="--")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("step $t$")
    axes[0].set_ylabel(r"size of the step, $\alpha$ = 0.01 (dashed)")
    axes[1].legend(loc="lower right", fontsize=9)
    axes[2].text(0.97, 0.95, "no bias correction:\nfirst steps too big", ha="right", va="top",
                 transform=axes[2].transAxes, fontsize=9)
    return fig


def momentum_path(surface, learning_rate, beta, num_steps):
    """Momentum (v = beta v + (1 - beta) g) on ``surface`` from its start: ndarray (k, 2).

    Stops when the point leaves the drawing box by more than its own size (diverged).
    """
    point = surface.start.astype(float)
    velocity = np.zeros(2)
    path = [point]
    for _ in range(num_steps):
        velocity = beta * velocity + (1 - beta) * surface.grad(point)
        point = point - learning_rate * velocity
        path.append(point)
        if not surface.inside_escape_box(point):
            break
    return np.array(path)


EXPLORER_RATES = (0.03, 0.09)
EXPLORER_BETAS = (0.0, 0.5, 0.9)


@figure("07_explorer_grid.png")
def explorer_grid():
    """Momentum on the bowl for two learning rates and three betas (beta 0 is plain GD)."""
    bowl = surfaces.bowl()
    num_steps = 40
    fig, axes = plots.figure(ncols=len(EXPLORER_BETAS), nrows=len(EXPLORER_RATES), width=12.0,
                             height=6.6)
    for row, learning_rate in zip(axes, EXPLORER_RATES, strict=True):
        for ax, beta in zip(row, EXPLORER_BETAS, strict=True):
            path = momentum_path(bowl, learning_rate, beta, num_steps)
            label = "gd" if beta == 0 else "momentum"
            plots.plot_trajectories(bowl, {label: path}, ax=ax, legend_loc=None,
                                    title=f"learning rate {learning_rate}, beta {beta:g}"
                                          + (" (plain GD)" if beta == 0 else ""))
            distance = np.linalg.norm(path[-1] - bowl.minimum)
            ax.text(0.03, 0.05, f"after {num_steps} steps: {distance:.2g} from the minimum",
                    transform=ax.transAxes, fontsize=9,
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
            ax.set_xlabel("")
            ax.set_ylabel("")
    return fig
