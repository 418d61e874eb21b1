"""Concept figures of notebook 05, Adam.

They do not depend on the learner's code (the moment estimates are computed below in a few
lines of numpy), so a self-learner reading the notebook on GitHub sees them without running
anything. Regenerate with ``python -m helpers.figures --only 05_bias_correction.png``.
"""

from __future__ import annotations

import numpy as np

from helpers import plots
from helpers.figures import figure
from helpers.language import N_

#: The figures' texts, as their shapes (numbers and maths are holes), for the helpers'
#: catalogue: drawn in Chinese under plots.use_language("zh-CN") (make figures).
TEXTS = (
    N_('gradient {0} (noisy, mean {1})'), N_('raw {0}'), N_('corrected {0}'), N_('true mean {0}'),
    N_('first moment, {0}: raw {1} is {2} at step {3}'), N_('true {0}'),
    N_('second moment, {0}: raw {1} is still {2} at step {3}'), N_('both corrected\n(Adam)'),
    N_('only the first\nmoment corrected'), N_('only the second\nmoment corrected'),
    N_('no correction'), N_('{0} x lr'), N_('first step / learning rate'),
    N_("Adam's first step, {0}, {1}, any gradient {2}"),
)

BETA1, BETA2 = 0.9, 0.999
GRADIENT_MEAN, GRADIENT_STD = 1.0, 0.5


def _moments(num_steps, seed=0):
    """Raw and bias-corrected moments of a noisy gradient ``1 + 0.5 * randn``, steps 1..T."""
    rng = np.random.default_rng(seed)
    gradients = GRADIENT_MEAN + GRADIENT_STD * rng.standard_normal(num_steps)
    v = s = 0.0
    rows = []
    for t, g in enumerate(gradients, start=1):
        v = BETA1 * v + (1 - BETA1) * g
        s = BETA2 * s + (1 - BETA2) * g * g
        rows.append((g, v, v / (1 - BETA1**t), s, s / (1 - BETA2**t)))
    return np.arange(1, num_steps + 1), np.array(rows)


@figure("05_bias_correction.png")
def bias_correction():
    """Both moments start at zero; dividing by 1 - beta**t removes the pull towards zero."""
    steps, rows = _moments(100)
    gradient, v, v_corrected, s, s_corrected = rows.T
    fig, (left, right) = plots.figure(ncols=2, width=11.0, height=4.3)
    adam = plots.color_for("adam")
    left.plot(steps, gradient, color="#BBBBBB", linewidth=0.9, marker=".", markersize=3,
              label="gradient $g_t$ (noisy, mean 1)")
    left.plot(steps, v, color=adam, linestyle="--", linewidth=1.8, label="raw $v_t$")
    left.plot(steps, v_corrected, color=adam, linewidth=2.2,
              label=r"corrected $\hat v_t = v_t / (1 - 0.9^t)$")
    left.axhline(GRADIENT_MEAN, color="black", linewidth=0.8, linestyle=":",
                 label=r"true mean $E[g] = 1$")
    left.set_title(r"first moment, $\beta_1 = 0.9$: raw $v_t$ is 0.1 at step 1")
    left.set_xlabel("step $t$")
    left.legend(loc="lower right", fontsize=8)
    true_second = GRADIENT_MEAN**2 + GRADIENT_STD**2
    right.plot(steps, s, color=adam, linestyle="--", linewidth=1.8, label="raw $s_t$")
    right.plot(steps, s_corrected, color=adam, linewidth=2.2,
               label=r"corrected $\hat s_t = s_t / (1 - 0.999^t)$")
    right.axhline(true_second, color="black", linewidth=0.8, linestyle=":",
                  label=r"true $E[g^2] = 1.25$")
    right.set_title(r"second moment, $\beta_2 = 0.999$: raw $s_t$ is still 0.12 at step 100")
    right.set_xlabel("step $t$")
    right.set_ylim(0, 2.6)
    right.legend(loc="upper right", fontsize=8)
    return fig


def first_step_factors(beta1=BETA1, beta2=BETA2, gradient=1.0, epsilon=1e-8):
    """First Adam step divided by the learning rate, with and without each correction.

    Returns a dict ``(correct_first, correct_second) -> float``.
    """
    v, s = (1 - beta1) * gradient, (1 - beta2) * gradient**2
    factors = {}
    for correct_first in (True, False):
        for correct_second in (True, False):
            top = v / (1 - beta1) if correct_first else v
            bottom = s / (1 - beta2) if correct_second else s
            factors[correct_first, correct_second] = abs(top / (np.sqrt(bottom) + epsilon))
    return factors


@figure("05_first_step.png")
def first_step():
    """The size of Adam's first step, in learning rates, for the four correction choices."""
    factors = first_step_factors()
    labels = {(True, True): "both corrected\n(Adam)",
              (True, False): "only the first\nmoment corrected",
              (False, True): "only the second\nmoment corrected",
              (False, False): "no correction"}
    fig, ax = plots.figure(width=7.5, height=4.0)
    names = [labels[key] for key in labels]
    values = [factors[key] for key in labels]
    colors = [plots.color_for("adam") if key == (True, True) else "#AAAAAA" for key in labels]
    bars = ax.bar(names, values, color=colors)
    ax.set_yscale("log")
    ax.set_ylim(0.05, 100)
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, value * 1.15, f"{value:.3g} x lr",
                ha="center", va="bottom", fontsize=10)
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    ax.set_ylabel("first step / learning rate")
    ax.set_title(r"Adam's first step, $\beta_1 = 0.9$, $\beta_2 = 0.999$, "
                 r"any gradient $|g| \gg \varepsilon$")
    return fig
