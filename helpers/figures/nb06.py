"""Concept figures of notebook 06, learning-rate decay.

None depends on the learner's code: the schedules are written out below from their formulas,
and the noisy descent is a few lines of numpy. Regenerate with
``python -m helpers.figures --only 06_why_decay.png`` (or ``06_decay_schedules.png``,
``06_other_schedules.png``).
"""

from __future__ import annotations

import numpy as np

from helpers import plots, surfaces
from helpers.figures import figure
from helpers.language import N_

#: The figures' texts, as their shapes (numbers and maths are holes), for the helpers'
#: catalogue: drawn in Chinese under plots.use_language("zh-CN") (make figures).
TEXTS = (
    N_('constant rate {0}'), N_('decaying rate {0} / ({1} + {2} t)'),
    N_('{0} noisy gradient steps on the bowl'), N_('(faint: raw, bold: mean of {0} steps)'),
    N_('Close to the minimum the steps are mostly noise'), N_('update_lr: decayed every epoch'),
    N_('All {0} epochs ({1} = {2}, {3} = {4}; log scale)'),
    N_('The first {0} epochs: epochs {1} and {2} both run at {3}'),
    N_('inverse-time decay, staircase'), N_('exponential decay'), N_('step decay'),
    N_('cosine decay'), N_('epoch {0}'), N_('last: {0}'), N_('last: about {0}'),
    N_('learning rate ({0} = {1})'),
)

LEARNING_RATE0 = 0.1
NUM_EPOCHS = 5000
TIME_INTERVAL = 1000


def rates_used(schedule, learning_rate0=LEARNING_RATE0, num_epochs=NUM_EPOCHS):
    """The rate each epoch runs at in helpers.training.train: ndarray of shape (num_epochs,).

    Epoch 0 runs at learning_rate0; after epoch i the loop sets lr = schedule(lr0, i), so
    epoch e >= 1 runs at schedule(lr0, e - 1).
    """
    rates = np.empty(num_epochs)
    rates[0] = learning_rate0
    for epoch in range(1, num_epochs):
        rates[epoch] = schedule(learning_rate0, epoch - 1)
    return rates


def inverse_time_every_epoch(learning_rate0, epoch, decay_rate=1.0):
    return learning_rate0 / (1 + decay_rate * epoch)


def inverse_time_staircase(learning_rate0, epoch, decay_rate=1.0, interval=TIME_INTERVAL):
    return learning_rate0 / (1 + decay_rate * np.floor(epoch / interval))


def exponential(learning_rate0, epoch, factor=0.999):
    return learning_rate0 * factor ** epoch


def step(learning_rate0, epoch, factor=0.5, interval=TIME_INTERVAL):
    return learning_rate0 * factor ** np.floor(epoch / interval)


def cosine(learning_rate0, epoch, minimum=0.0, length=NUM_EPOCHS):
    return minimum + 0.5 * (learning_rate0 - minimum) * (1 + np.cos(np.pi * epoch / length))


def _noisy_descent(bowl, learning_rates, noise, seed=0):
    """Gradient descent on ``bowl`` with Gaussian noise added to every gradient.

    learning_rates : ndarray of shape (k,), the rate of each step. Returns (k + 1, 2).
    """
    rng = np.random.default_rng(seed)
    point = bowl.start.astype(float)
    path = [point]
    for rate in learning_rates:
        gradient = bowl.grad(point) + noise * rng.standard_normal(2)
        point = point - rate * gradient
        path.append(point)
    return np.array(path)


@figure("06_why_decay.png")
def why_decay():
    """Noisy GD on the bowl: a constant rate keeps wandering, a decaying rate settles."""
    bowl = surfaces.bowl()
    num_steps, rate0, noise = 400, 0.08, 2.0
    constant = np.full(num_steps, rate0)
    decaying = rate0 / (1 + 0.05 * np.arange(num_steps))
    paths = {f"constant rate {rate0}": _noisy_descent(bowl, constant, noise),
             f"decaying rate {rate0} / (1 + 0.05 t)": _noisy_descent(bowl, decaying, noise)}
    fig, (left, right) = plots.figure(ncols=2, width=11.0, height=4.2)
    colors = (plots.FALLBACK_COLORS[0], plots.COLORS["adam"])
    plots.plot_surface(bowl, ax=left, title=f"{num_steps} noisy gradient steps on the bowl")
    for (label, path), color in zip(paths.items(), colors, strict=True):
        left.plot(path[:, 0], path[:, 1], color=color, linewidth=0.9, marker="o",
                  markersize=1.8, label=label, zorder=3)
        distance = np.linalg.norm(path - bowl.minimum, axis=1)
        steps = np.arange(distance.size)
        right.plot(steps, distance, color=color, linewidth=0.7, alpha=0.3)
        right.plot(steps, plots.smooth_curve(distance, 20), color=color, label=label)
    left.plot(*bowl.start, marker="o", markersize=9, markerfacecolor="none",
              markeredgecolor="black", markeredgewidth=1.5, linestyle="none", label="start")
    left.plot(*bowl.minimum, marker="*", markersize=14, color="black", linestyle="none",
              label="minimum")
    left.legend(loc="lower right", fontsize=9)
    right.set_yscale("log")
    right.set_xlabel("step $t$")
    right.set_ylabel("distance to the minimum\n(faint: raw, bold: mean of 20 steps)")
    right.set_title("Close to the minimum the steps are mostly noise")
    right.legend(loc="upper right")
    return fig


@figure("06_decay_schedules.png")
def decay_schedules():
    """update_lr every epoch against schedule_lr_decay, as the training loop uses them."""
    every_epoch = rates_used(inverse_time_every_epoch)
    staircase = rates_used(inverse_time_staircase)
    fig, (left, right) = plots.figure(ncols=2, width=11.0, height=4.0)
    labels = (f"schedule_lr_decay: $T$ = {TIME_INTERVAL}",
              "update_lr: decayed every epoch")
    colors = (plots.COLORS["gd"], plots.COLORS["adam"])
    for rates, label, color in zip((staircase, every_epoch), labels, colors, strict=True):
        left.plot(np.arange(NUM_EPOCHS), rates, drawstyle="steps-post", color=color, label=label)
        shown = 12
        right.plot(np.arange(shown), rates[:shown], drawstyle="steps-post", color=color,
                   marker="o", label=label)
    left.set_yscale("log")
    left.set_title(rf"All {NUM_EPOCHS} epochs ($\alpha_0$ = {LEARNING_RATE0}, $d$ = 1; log scale)")
    right.set_title("The first 12 epochs: epochs 0 and 1 both run at $\\alpha_0$")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.set_ylabel("learning rate")
    left.legend(loc="center right")
    right.legend(loc="center right")
    right.set_xticks(np.arange(0, 12, 1))
    return fig


@figure("06_other_schedules.png")
def other_schedules():
    """Inverse-time staircase, exponential, step and cosine schedules side by side."""
    panels = (
        (inverse_time_staircase, "inverse-time decay, staircase",
         r"$\alpha_0 / (1 + d\lfloor e/T \rfloor)$, $d$ = 1, $T$ = 1000"),
        (exponential, "exponential decay", r"$\alpha_0\,\gamma^{e}$, $\gamma$ = 0.999"),
        (step, "step decay",
         r"$\alpha_0\,\gamma^{\lfloor e/T \rfloor}$, $\gamma$ = 0.5, $T$ = 1000"),
        (cosine, "cosine decay", r"$\frac{1}{2}\alpha_0(1 + \cos(\pi e / N))$, $N$ = 5000"),
    )
    fig, axes = plots.figure(ncols=4, width=14.0, height=3.6, sharey=True)
    epochs = np.arange(NUM_EPOCHS)
    for ax, (schedule, name, formula), color in zip(axes, panels, plots.FALLBACK_COLORS,
                                                   strict=False):
        rates = schedule(LEARNING_RATE0, epochs)
        ax.plot(epochs, rates, color=color, drawstyle="steps-post")
        ax.fill_between(epochs, rates, step="post", color=color, alpha=0.12)
        ax.set_title(f"{name}\n{formula}", fontsize=10.5)
        ax.set_xlabel("epoch $e$")
        last = f"{rates[-1]:.2g}" if rates[-1] > 1e-6 else "about 0"
        ax.text(0.97, 0.9, f"last: {last}", transform=ax.transAxes, ha="right",
                fontsize=9.5)
    axes[0].set_ylabel(rf"learning rate ($\alpha_0$ = {LEARNING_RATE0})")
    axes[0].set_ylim(0, LEARNING_RATE0 * 1.08)
    return fig
