"""The deterministic inputs every check feeds to a graded function (numpy only).

A :class:`Case` is plain data (a label, a description for the learner, and the numbers needed
to rebuild its inputs), so the same case can be rebuilt bit for bit in the notebook kernel, in
the judging process and in the child process of ``python -m autograder check``.

The inputs are chosen to make mistakes visible: several layers (a loop that stops early or runs
one too far shows), betas 0.8 and 0.888 (a swapped beta or a missing ``1 - beta`` shows),
epsilon 1e-2 (epsilon inside or outside the square root differs), t from 1 to 3 in several calls
in a row (bias correction and step counters show), a zero starting state and a non-zero one,
example counts that leave a partial last mini-batch, and epochs on both sides of a decay step.
Notebook 08 adds weight_decay 0.1 (large enough that a decay without the learning rate, on W
only or with the post-step W shows) and warm-up steps before, at and after the end of the
warm-up and after total_steps, with a non-zero min_learning_rate. (A schedule's case keeps its
steps under ``epochs`` so every scalar kind shares one recorder and one judge.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from autograder.checks.i18n import _

#: Graded functions, in course order, and the kind of scenario that probes each.
KINDS = {
    "update_parameters_with_gd": "update",
    "random_mini_batches": "minibatches",
    "initialize_velocity": "init",
    "update_parameters_with_momentum": "update",
    "initialize_rmsprop": "init",
    "update_parameters_with_rmsprop": "update",
    "initialize_adam": "init",
    "update_parameters_with_adam": "update",
    "update_lr": "scalar",
    "schedule_lr_decay": "scalar",
    "update_parameters_with_nesterov": "update",
    "update_parameters_with_adamw": "update",
    "warmup_cosine_lr": "scalar",
}
#: Update rules that take a step counter t (Adam's bias correction).
WITH_T = ("update_parameters_with_adam", "update_parameters_with_adamw")
FUNCTIONS = tuple(KINDS)


@dataclass(frozen=True)
class Case:
    """One check: ``spec`` holds only plain data; :func:`build` turns it into arrays."""

    function: str
    index: int
    label: str
    hidden: bool
    spec: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.function}#{self.index}"


# ----------------------------------------------------------------------------- array builders
def make_parameters(layer_dims, seed):
    """``W1, b1, ..., WL, bL`` with readable (3-decimal) values, deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.round(rng.normal(0.0, 1.0, (layer_dims[l], layer_dims[l - 1])), 3)
        parameters[f"b{l}"] = np.round(rng.normal(0.0, 0.5, (layer_dims[l], 1)), 3)
    return parameters


def make_grads(layer_dims, seed, scale=1.0):
    """Gradients ``dW1, db1, ...`` of the shapes of :func:`make_parameters`."""
    rng = np.random.default_rng(seed)
    grads = {}
    for l in range(1, len(layer_dims)):
        grads[f"dW{l}"] = np.round(rng.normal(0.0, scale, (layer_dims[l], layer_dims[l - 1])), 3)
        grads[f"db{l}"] = np.round(rng.normal(0.0, scale, (layer_dims[l], 1)), 3)
    return grads


def make_state(layer_dims, seed, positive=False):
    """A non-zero optimizer state (positive for second moments)."""
    grads = make_grads(layer_dims, seed, scale=0.5)
    if positive:
        return {k: np.round(g * g, 4) + 0.01 for k, g in grads.items()}
    return grads


def zero_state(layer_dims):
    return {k: np.zeros_like(g) for k, g in make_grads(layer_dims, 0).items()}


def _english(message: str) -> str:
    """The labels' texts as written: a case's ``label`` is English; :func:`describe` passes the
    learner's language as the ``_`` argument of the label builders below."""
    return message


def layers_text(layer_dims, _=_english) -> str:
    L = len(layer_dims) - 1
    shapes = ", ".join(f"W{l} {layer_dims[l]}x{layer_dims[l - 1]}" for l in range(1, L + 1))
    return _("{L} layers ({shapes})").format(L=L, shapes=shapes)


def make_xy(n_x, m, labels="index"):
    """X whose column j is recognisable (entries j + 0.001*(row+1)), and Y aligned with it.

    ``labels="index"``: ``Y[0, j] = j`` (so a misaligned shuffle shows);
    ``labels="binary"``: integer 0/1 labels like the moons data.
    """
    cols = np.arange(m, dtype=float)
    X = cols[None, :] + 0.001 * np.arange(1, n_x + 1, dtype=float)[:, None]
    if labels == "index":
        Y = cols[None, :].copy()
    else:
        Y = (np.arange(m)[None, :] * 7 % 3 == 0).astype(int)
    return X, Y


def build(case: Case) -> dict:
    """Fresh input arrays for ``case`` (new objects on every call; callers may mutate them)."""
    s = case.spec
    kind = KINDS[case.function]
    if kind == "update":
        dims = s["layer_dims"]
        out = {"parameters": make_parameters(dims, s["seed"]),
               "grads": [make_grads(dims, s["seed"] + 100 + i) for i in range(s["steps"])]}
        state = s.get("state", "zero")
        if state == "zero":
            out["v"], out["s"] = zero_state(dims), zero_state(dims)
        else:
            out["v"] = make_state(dims, s["seed"] + 50)
            out["s"] = make_state(dims, s["seed"] + 60, positive=True)
        return out
    if kind == "init":
        return {"parameters": make_parameters(s["layer_dims"], s["seed"])}
    if kind == "minibatches":
        X, Y = make_xy(s["n_x"], s["m"], s.get("labels", "index"))
        return {"X": X, "Y": Y}
    return {}


# ----------------------------------------------------------------------------- the cases
# The visible cases' plans (plain data). The hidden cases' plans live on the trusted side
# (autograder.publish.hidden_cases): a student's install holds only these.
UPDATE_HYPER = {
    "update_parameters_with_gd": [{"learning_rate": 0.1}, {"learning_rate": 0.05}],
    "update_parameters_with_momentum": [{"beta": 0.8, "learning_rate": 0.1},
                                        {"beta": 0.888, "learning_rate": 0.05}],
    "update_parameters_with_rmsprop": [{"beta2": 0.888, "learning_rate": 0.1, "epsilon": 1e-2},
                                       {"beta2": 0.8, "learning_rate": 0.05, "epsilon": 1e-2}],
    "update_parameters_with_adam": [{"learning_rate": 0.1, "beta1": 0.8, "beta2": 0.888,
                                     "epsilon": 1e-2},
                                    {"learning_rate": 0.05, "beta1": 0.888, "beta2": 0.8,
                                     "epsilon": 1e-2}],
    "update_parameters_with_nesterov": [{"beta": 0.8, "learning_rate": 0.1},
                                        {"beta": 0.888, "learning_rate": 0.05}],
    "update_parameters_with_adamw": [{"learning_rate": 0.1, "beta1": 0.8, "beta2": 0.888,
                                      "epsilon": 1e-2, "weight_decay": 0.1},
                                     {"learning_rate": 0.05, "beta1": 0.888, "beta2": 0.8,
                                      "epsilon": 1e-2, "weight_decay": 0.3}],
}
# (index, layer_dims, seed, steps, state, t_start)
UPDATE_PLANS = [(0, (3, 4, 2, 1), 1, 1, "zero", 1), (1, (3, 4, 2, 1), 2, 3, "zero", 1)]
INIT_PLANS = [(0, (3, 4, 2, 1), 1)]                        # (index, layer_dims, seed)
MINIBATCH_PLANS = [  # index, n_x, m, size, seeds, labels, use_default_size
    (0, 2, 148, 64, [0, 1], "index", False),
    (1, 3, 12, 4, [3, 7], "index", False),
]
SCALAR_PLANS = {
    "update_lr": [
        (0, {"learning_rate0": 0.5, "decay_rate": 0.5, "epochs": [0, 1, 2, 10]}),
        (1, {"learning_rate0": 0.1, "decay_rate": 0.3, "epochs": [0, 3, 7, 999]}),
    ],
    "schedule_lr_decay": [
        (0, {"learning_rate0": 0.5, "decay_rate": 1.0, "time_interval": 1000,
             "epochs": [0, 999, 1000, 1500, 2500]}),
        (1, {"learning_rate0": 0.1, "decay_rate": 0.3, "time_interval": None,
             "epochs": [10, 1000, 1499, 2999, 3000]}),
        # A short interval, epochs past 2 * time_interval: a schedule that keeps decaying
        # every 1000 epochs whatever time_interval says (fixed-interval) shows here.
        (4, {"learning_rate0": 0.2, "decay_rate": 0.5, "time_interval": 10,
             "epochs": [5, 10, 25, 40]}),
    ],
    # the steps go under "epochs": before, at and after the end of the warm-up, at and after
    # total_steps
    "warmup_cosine_lr": [
        (0, {"learning_rate0": 0.5, "warmup_steps": 4, "total_steps": 20,
             "min_learning_rate": None, "epochs": [0, 1, 3, 4, 5, 9, 12, 20, 25]}),
        (1, {"learning_rate0": 0.1, "warmup_steps": 10, "total_steps": 50,
             "min_learning_rate": 0.01, "epochs": [0, 2, 9, 10, 11, 25, 30, 49, 50, 80]}),
    ],
}


def update_cases(name, plans, hyper, hidden):
    """Cases of an update rule from ``plans`` (rows as in :data:`UPDATE_PLANS`)."""
    uses_state = name != "update_parameters_with_gd"
    cases = []
    for (i, dims, seed, steps, state, t0), h in zip(plans, hyper, strict=True):
        h = dict(h)
        if not uses_state:
            state = "zero"
        spec = {"layer_dims": list(dims), "seed": seed, "steps": steps, "state": state,
                "hyper": h}
        if name in WITH_T:
            spec["t_start"] = t0 if state != "zero" else 1
        cases.append(Case(name, i, _update_label(name, spec), hidden, spec))
    return cases


def _update_label(name, spec, _=_english) -> str:
    parts = [layers_text(spec["layer_dims"], _)]
    if name != "update_parameters_with_gd":
        who = {"update_parameters_with_momentum": "v", "update_parameters_with_rmsprop": "s",
               "update_parameters_with_adam": _("v and s"),
               "update_parameters_with_nesterov": "v",
               "update_parameters_with_adamw": _("v and s")}[name]
        parts.append((_("starting from zero {who}") if spec["state"] == "zero"
                      else _("starting from a non-zero {who}")).format(who=who))
    steps = spec["steps"]
    if name in WITH_T:
        ts = [spec["t_start"] + k for k in range(steps)]
        parts.append("t = " + ", ".join(map(str, ts)))
    if steps > 1:
        parts.append(_("{steps} calls in a row, each fed what the previous one "
                        "returned").format(steps=steps))
    if spec["hyper"]:
        parts.append(", ".join(f"{k}={v}" for k, v in spec["hyper"].items()))
    else:
        parts.append(_("default hyperparameters (arguments left out)"))
    return "; ".join(parts)


def init_cases(name, plans, hidden):
    return [Case(name, i, layers_text(dims), hidden, {"layer_dims": list(dims), "seed": seed})
            for i, dims, seed in plans]


def minibatch_cases(name, plans, hidden):
    cases = []
    for i, n_x, m, size, seeds, labels, default_size in plans:
        spec = {"n_x": n_x, "m": m, "mini_batch_size": size, "seeds": seeds, "labels": labels,
                "default_size": default_size}
        cases.append(Case(name, i, _minibatch_label(spec), hidden, spec))
    return cases


def _minibatch_label(spec, _=_english) -> str:
    size, m = spec["mini_batch_size"], spec["m"]
    size_text = _("mini_batch_size left at its default ({size})").format(size=size) \
        if spec["default_size"] else f"mini_batch_size={size}"
    return _("X of shape ({n_x}, {m}) ({m} examples as columns), Y of shape (1, {m}), "
              "{size_text}, seeds {seed0} and {seed1}").format(
                  n_x=spec["n_x"], m=m, size_text=size_text, seed0=spec["seeds"][0],
                  seed1=spec["seeds"][1])


def scalar_cases(name, plans, hidden):
    return [Case(name, i, _scalar_label(name, spec), hidden, dict(spec)) for i, spec in plans]


def _scalar_label(name, spec, _=_english) -> str:
    if name == "warmup_cosine_lr":
        parts = [f"learning_rate0={spec['learning_rate0']}",
                 f"warmup_steps={spec['warmup_steps']}", f"total_steps={spec['total_steps']}",
                 _("min_learning_rate left at its default (0.0)")
                 if spec["min_learning_rate"] is None
                 else f"min_learning_rate={spec['min_learning_rate']}",
                 "step = " + ", ".join(map(str, spec["epochs"]))]
        return ", ".join(parts)
    parts = [f"learning_rate0={spec['learning_rate0']}", f"decay_rate={spec['decay_rate']}"]
    if name == "schedule_lr_decay":
        parts.append(_("time_interval left at its default (1000)")
                     if spec["time_interval"] is None
                     else f"time_interval={spec['time_interval']}")
    parts.append("epoch_num = " + ", ".join(map(str, spec["epochs"])))
    return ", ".join(parts)


def describe(case: Case) -> str:
    """Which input ``case`` is, in the learner's language (``case.label`` is the English)."""
    try:
        kind = KINDS[case.function]
        if kind == "update":
            return _update_label(case.function, case.spec, _)
        if kind == "init":
            return layers_text(case.spec["layer_dims"], _)
        if kind == "minibatches":
            return _minibatch_label(case.spec, _)
        return _scalar_label(case.function, case.spec, _)
    except (KeyError, TypeError, IndexError, AttributeError):  # a case made by hand
        return _(case.label)


def _visible(name):
    kind = KINDS[name]
    if kind == "update":
        return update_cases(name, UPDATE_PLANS, UPDATE_HYPER[name], False)
    if kind == "init":
        return init_cases(name, INIT_PLANS, False)
    if kind == "minibatches":
        return minibatch_cases(name, MINIBATCH_PLANS, False)
    return scalar_cases(name, SCALAR_PLANS[name], False)


class HiddenCasesUnavailable(LookupError):
    """The hidden cases are not part of the checks (they live with the masters)."""


def cases_for(name: str, hidden: bool | None = False) -> list[Case]:
    """The visible cases of graded function ``name``.

    The hidden cases are not defined here: they live on the trusted side, with the masters
    (``autograder.publish.hidden_cases.all_cases``), so a student's install never holds them.
    ``hidden=True`` or ``None`` raises :class:`HiddenCasesUnavailable`.
    """
    if name not in KINDS:
        raise KeyError(f"no checks for {name!r}; graded functions: {', '.join(FUNCTIONS)}")
    if hidden is not False:
        raise HiddenCasesUnavailable(
            f"the hidden cases of {name} are not part of the checks; they are run by "
            "`python -m autograder check` and `make grade` from the instructor masters")
    return _visible(name)


def case_to_plain(case: Case) -> dict:
    """A case as JSON-ready data (to hand it to a child process)."""
    return {"function": case.function, "index": case.index, "label": case.label,
            "hidden": case.hidden, "spec": case.spec}


def case_from_plain(data: dict) -> Case:
    return Case(str(data["function"]), int(data["index"]), str(data["label"]),
                bool(data["hidden"]), dict(data["spec"]))
