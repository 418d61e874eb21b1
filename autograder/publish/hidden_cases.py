"""The hidden cases: TRUSTED SIDE ONLY (never in a student's install).

Their plans are plain data like the visible ones in :mod:`autograder.checks.cases`, built by the
same builders; :func:`all_cases` is what the local check and the grader use (visible + hidden).
The hidden cases differ from the visible ones in what a hard-coded answer cannot guess: more
layers, non-zero starting state with t starting at 4, default arguments left out, m smaller
than a batch, other decay intervals.
"""

from __future__ import annotations

from autograder.checks import cases as _cases
from autograder.checks.cases import KINDS, Case

UPDATE_HYPER = {
    "update_parameters_with_gd": [{"learning_rate": 0.3}, {"learning_rate": 0.01}],
    "update_parameters_with_momentum": [{"beta": 0.9, "learning_rate": 0.01},
                                        {"beta": 0.8, "learning_rate": 0.3}],
    "update_parameters_with_rmsprop": [{}, {"beta2": 0.9, "learning_rate": 0.02,
                                            "epsilon": 1e-2}],
    "update_parameters_with_adam": [{}, {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.9,
                                         "epsilon": 1e-2}],
    "update_parameters_with_nesterov": [{"beta": 0.9, "learning_rate": 0.01},
                                        {"beta": 0.7, "learning_rate": 0.3}],
    "update_parameters_with_adamw": [{}, {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.9,
                                          "epsilon": 1e-2, "weight_decay": 0.5}],
}
UPDATE_PLANS = [(2, (2, 5, 3, 3, 1), 3, 2, "random", 4), (3, (4, 3, 1), 4, 3, "zero", 1)]
INIT_PLANS = [(1, (2, 5, 3, 3, 1), 2), (2, (5, 1), 3)]
MINIBATCH_PLANS = [
    (2, 2, 130, 64, [2, 5], "binary", True),
    (3, 2, 10, 3, [1, 4], "index", False),
    (4, 1, 5, 8, [0, 9], "index", False),
]
SCALAR_PLANS = {
    "update_lr": [
        (2, {"learning_rate0": 0.01, "decay_rate": 0.05, "epochs": [1000, 1500, 2500]}),
        (3, {"learning_rate0": 2.0, "decay_rate": 2.5, "epochs": [1, 4, 11]}),
    ],
    "schedule_lr_decay": [
        (2, {"learning_rate0": 0.02, "decay_rate": 0.5, "time_interval": 100,
             "epochs": [0, 99, 100, 150, 250, 349]}),
        (3, {"learning_rate0": 1.0, "decay_rate": 2.0, "time_interval": 7,
             "epochs": [3, 7, 13, 14, 20]}),
    ],
    "warmup_cosine_lr": [
        (2, {"learning_rate0": 0.02, "warmup_steps": 100, "total_steps": 1000,
             "min_learning_rate": 0.002, "epochs": [0, 50, 99, 100, 101, 550, 999, 1000, 5000]}),
        (3, {"learning_rate0": 1.0, "warmup_steps": 0, "total_steps": 7,
             "min_learning_rate": None, "epochs": [0, 1, 3, 6, 7, 8]}),
        (4, {"learning_rate0": 0.3, "warmup_steps": 5, "total_steps": 5,
             "min_learning_rate": 0.1, "epochs": [0, 4, 5, 6]}),
    ],
}


def hidden_cases(name: str) -> list[Case]:
    kind = KINDS[name]
    if kind == "update":
        plans = UPDATE_PLANS
        if name == "update_parameters_with_gd":   # one step is enough for a stateless rule
            plans = [(i, d, s, 1 if i == 2 else n, st, t) for i, d, s, n, st, t in plans]
        return _cases.update_cases(name, plans, UPDATE_HYPER[name], True)
    if kind == "init":
        return _cases.init_cases(name, INIT_PLANS, True)
    if kind == "minibatches":
        return _cases.minibatch_cases(name, MINIBATCH_PLANS, True)
    return _cases.scalar_cases(name, SCALAR_PLANS[name], True)


def all_cases(name: str, hidden: bool | None = None) -> list[Case]:
    """Visible (``hidden=False``), hidden (``True``) or all (``None``) cases of ``name``."""
    if hidden is False:
        return _cases.cases_for(name)
    if hidden is True:
        return hidden_cases(name)
    return _cases.cases_for(name) + hidden_cases(name)


__all__ = ["all_cases", "hidden_cases"]
