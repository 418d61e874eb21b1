"""Families of wrong rules: each graded function's common mistakes, written once as data.

TRUSTED SIDE ONLY. A mutant is one step from the solution, so this module is never shipped to
students; the release runs it to precompute the mutants' records on the visible cases
(:mod:`autograder.publish.expected`), and the local check and the grader run it live on the
hidden cases before any learner code runs.

For each graded function there is ONE parameterised implementation of the rule (``_update``,
``_init``, ``_update_lr``, ``_schedule``, ``_minibatches``) and a table of members: a stable id
from :mod:`autograder.checks.vocabulary` (several members may share an id when learners write
the same mistake in more than one way), and the parameters that turn the rule into that mistake.
The texts the learner reads live with the ids in the vocabulary. The default parameters give the
course's rule; :func:`member_function` refuses to build it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Member:
    id: str                      # e.g. "adam/epsilon-inside-sqrt"
    key: str                     # unique within the function (id, or id~variant)
    params: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- update rules
_UPDATE_DEFAULTS = {
    "sign": -1.0, "lr": "times", "layers": "all", "bias": True, "pair": "own",
    "step_pair": "own", "inplace": False,
    # first moment (momentum's v, Adam's v)
    "v_beta": "beta1", "v_form": "average", "v_store": True, "lr_in_v": False,
    # second moment (RMSprop's and Adam's s)
    "s_beta": "beta2", "s_form": "average", "square": "square", "s_grad": "own", "s_store": True,
    # bias correction (Adam)
    "corr": "t", "corr_v": True, "corr_s": True, "corr_betas": "own", "store_corrected": False,
    # the step
    "num": "moment", "denom": "sqrt+eps", "s_in_step": "new", "v_in_step": "new",
    "v_corr_in_step": True, "s_corr_in_step": True,
    # what comes back
    "returns": "normal", "return_corrected": True,
    # Nesterov's look-ahead step (notebook 08)
    "lookahead": "nesterov",
    # AdamW's decoupled weight decay (notebook 08)
    "decay": "decoupled", "decay_bias": True,
    # an argument replaced by a constant
    "fixed": None,
}

_RULE = {"update_parameters_with_gd": "gd", "update_parameters_with_momentum": "momentum",
         "update_parameters_with_rmsprop": "rmsprop", "update_parameters_with_adam": "adam",
         "update_parameters_with_nesterov": "nesterov", "update_parameters_with_adamw": "adamw"}
_FIRST_MOMENT = ("momentum", "nesterov", "adam", "adamw")
_SECOND = ("rmsprop", "adam", "adamw")
_ADAM = ("adam", "adamw")


def _layer_numbers(parameters, layers):
    L = len(parameters) // 2
    if layers == "stop-early":
        return range(1, L)
    if layers == "too-far":
        return range(2, L + 2)     # str(l + 1) with l in 1..L
    return range(1, L + 1)


def _correction(corr, beta, t, l):
    """The bias correction's denominator, right (``"t"``) or with one of the usual slips."""
    return {"t": lambda: 1 - beta ** t, "precedence": lambda: (1 - beta) ** t,
            "beta-times-t": lambda: 1 - beta * t, "t+1": lambda: 1 - beta ** (t + 1),
            "t-1": lambda: 1 - beta ** (t - 1), "two": lambda: 1 - beta ** 2,
            "layer": lambda: 1 - beta ** l, "none-exponent": lambda: 1 - beta,
            "one-plus": lambda: 1 + beta ** t}[corr]()


def _update(rule, p, parameters, grads, v, s, t, lr, beta1, beta2, eps, wd=0.0):
    if p["fixed"]:
        arg, value = p["fixed"]
        lr = value if arg == "learning_rate" else lr
        beta1 = value if arg in ("beta", "beta1") else beta1
        beta2 = value if arg == "beta2" else beta2
        eps = value if arg == "epsilon" else eps
        wd = value if arg == "weight_decay" else wd
    decay = p["decay"] if rule == "adamw" else "none"
    betas = {"beta1": beta1, "beta2": beta2}
    vc, sc = {}, {}
    for l in _layer_numbers(parameters, p["layers"]):
        steps = {}
        for name in ("W", "b"):
            if name == "b" and p["bias"] is False:
                continue
            key = f"d{name}{l}"
            other = f"d{'b' if name == 'W' else 'W'}{l}"
            g = grads[key]
            swapped = p["pair"] == "swapped" or (p["pair"] == "b-with-dW" and name == "b") \
                or (p["pair"] == "W-with-db" and name == "W")
            g_step = grads[other] if swapped else g
            decays = decay != "none" and (name == "W" or p["decay_bias"])
            if decays and decay == "l2":   # Adam with L2: the decay enters the gradient
                g_step = g_step + wd * parameters[f"{name}{l}"]
            step = g_step
            if rule in _FIRST_MOMENT:
                b = betas[p["v_beta"]]
                old_v = v[key]
                if p["lr_in_v"] == "minus":
                    new_v = b * old_v - lr * g_step
                elif p["lr_in_v"] == "average":
                    new_v = b * old_v + (1 - b) * lr * g_step
                elif p["lr_in_v"]:
                    new_v = b * old_v + lr * g_step
                elif p["v_form"] == "average":
                    new_v = b * old_v + (1 - b) * g_step
                elif p["v_form"] == "no-one-minus":
                    new_v = b * old_v + g_step
                else:  # swapped
                    new_v = (1 - b) * old_v + b * g_step
                if p["v_store"]:
                    v[key] = new_v
                step = new_v if p["v_in_step"] == "new" else old_v
                if rule == "nesterov":
                    la = p["lookahead"]
                    if la == "nesterov":
                        step = b * new_v + (1 - b) * g_step
                    elif la == "old-v":
                        step = b * old_v + (1 - b) * g_step
                    elif la == "no-grad-term":
                        step = b * new_v
                    elif la == "undamped-grad":
                        step = b * new_v + g_step
                    elif la == "swapped":
                        step = (1 - b) * new_v + b * g_step
                    elif la == "minus":
                        step = b * new_v - (1 - b) * g_step
                    # "none": the plain momentum step with new_v
            if rule in _SECOND:
                b2 = betas[p["s_beta"]]
                gs = grads[other] if p["s_grad"] == "other" or \
                    (p["s_grad"] == "b-from-dW" and name == "b") else g_step
                sq = {"square": lambda x: x ** 2, "none": lambda x: x, "abs": np.abs,
                      "matmul": lambda x: x @ x.T}[p["square"]](gs)
                old_s = s[key]
                if p["s_form"] == "average":
                    new_s = b2 * old_s + (1 - b2) * sq
                else:  # swapped
                    new_s = (1 - b2) * old_s + b2 * sq
                if p["s_store"]:
                    s[key] = new_s
                s_used = new_s if p["s_in_step"] == "new" else old_s
            if rule in _ADAM:
                cb1, cb2 = {"own": (beta1, beta2), "swapped": (beta2, beta1),
                            "follow": (betas[p["v_beta"]], betas[p["s_beta"]])}[p["corr_betas"]]
                vc[key] = new_v / _correction(p["corr"], cb1, t, l) if p["corr_v"] else new_v
                sc[key] = new_s / _correction(p["corr"], cb2, t, l) if p["corr_s"] else new_s
                if p["store_corrected"]:
                    v[key], s[key] = vc[key], sc[key]
                step = vc[key] if p["v_corr_in_step"] else new_v
                s_used = sc[key] if p["s_corr_in_step"] else new_s
            if rule in _SECOND:
                num = g_step if p["num"] == "grad" else step
                if decays and decay == "in-denominator":   # the decay divided by sqrt(s) + eps
                    num = num + wd * parameters[f"{name}{l}"]
                d = p["denom"]
                if d == "sqrt+eps":
                    full = num / (np.sqrt(s_used) + eps)
                elif d == "sqrt(s+eps)":
                    full = num / np.sqrt(s_used + eps)
                elif d in ("eps-added", "eps-after-plus", "eps-after-minus"):
                    full = num / np.sqrt(s_used) + (eps if d == "eps-added" else 0.0)
                elif d == "eps-subtracted":
                    full = num / np.sqrt(s_used) - eps
                elif d == "no-eps":
                    full = num / np.sqrt(s_used)
                elif d == "square":
                    full = num / (np.square(s_used) + eps)
                elif d == "no-sqrt":
                    full = num / (s_used + eps)
                else:  # "none": no division
                    full = num
                step = full
            elif rule in ("momentum", "nesterov") and p["num"] == "grad":
                step = g_step
            steps[name] = step
        for name in ("W", "b"):
            if name not in steps:
                continue
            step = steps[name]
            if p["step_pair"] == "swapped":   # W stepped with b's quantity and b with W's
                step = steps["b" if name == "W" else "W"]
            pname = f"{name}{l}"
            if name == "b" and p["bias"] == "state-only":   # b's state updated, b not stepped
                continue
            # the decoupled decay, from the value before the step
            decays = decay in ("decoupled", "no-lr", "plus", "post-step") and \
                (name == "W" or p["decay_bias"])
            extra = 0.0
            if decays and decay in ("decoupled", "plus"):
                extra = (lr if p["lr"] != "none" else 1.0) * wd * parameters[pname]
                extra = -extra if decay == "plus" else extra
            elif decays and decay == "no-lr":
                extra = wd * parameters[pname]
            if p["inplace"]:    # W -= ...: numpy refuses to change the shape of W in place
                target = parameters[pname]
                target -= lr * step + extra
                continue
            if p["lr_in_v"] == "minus":
                parameters[pname] = parameters[pname] + step
            elif p["lr_in_v"]:
                parameters[pname] = parameters[pname] - step
            elif p["lr"] == "times":
                parameters[pname] = parameters[pname] + p["sign"] * lr * step
            elif p["lr"] == "none":
                parameters[pname] = parameters[pname] + p["sign"] * step
            else:  # divides
                parameters[pname] = parameters[pname] + p["sign"] * step / lr
            parameters[pname] = parameters[pname] - extra
            if decays and decay == "post-step":   # the decay from the value after the step
                parameters[pname] = parameters[pname] - lr * wd * parameters[pname]
            if p["denom"] in ("eps-after-plus", "eps-after-minus"):  # W - lr * g / sqrt(s) + eps
                parameters[pname] = parameters[pname] + (eps if p["denom"] == "eps-after-plus"
                                                         else -eps)
    if p["returns"] == "none":
        return None
    if rule == "gd":
        return parameters
    if rule in ("momentum", "nesterov"):
        return (v, parameters) if p["returns"] == "reversed" else (parameters, v)
    if rule == "rmsprop":
        return (s, parameters) if p["returns"] == "reversed" else (parameters, s)
    out_vc = vc if p["return_corrected"] else v
    out_sc = sc if p["return_corrected"] else s
    if p["returns"] == "three":
        return parameters, v, s
    if p["returns"] == "reversed":
        return parameters, vc, sc, v, s
    if p["returns"] == "interleaved":
        return parameters, v, vc, s, sc
    return parameters, v, s, out_vc, out_sc


def _update_function(name, params):
    rule = _RULE[name]
    p = {**_UPDATE_DEFAULTS, **params}

    def run(parameters, grads, v=None, s=None, t=1, learning_rate=0.01, beta1=0.9, beta2=0.999,
            epsilon=1e-8, weight_decay=0.0):
        with np.errstate(all="ignore"):
            return _update(rule, p, parameters, grads, v, s, t, learning_rate, beta1, beta2,
                           epsilon, weight_decay)

    if rule == "gd":
        def update_parameters_with_gd(parameters, grads, learning_rate):
            return run(parameters, grads, learning_rate=learning_rate)
        return update_parameters_with_gd
    if rule == "momentum":
        def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
            return run(parameters, grads, v=v, learning_rate=learning_rate, beta1=beta)
        return update_parameters_with_momentum
    if rule == "nesterov":
        def update_parameters_with_nesterov(parameters, grads, v, beta, learning_rate):
            return run(parameters, grads, v=v, learning_rate=learning_rate, beta1=beta)
        return update_parameters_with_nesterov
    if rule == "adamw":
        def update_parameters_with_adamw(parameters, grads, v, s, t, learning_rate=0.01,
                                         beta1=0.9, beta2=0.999, epsilon=1e-8,
                                         weight_decay=0.01):
            return run(parameters, grads, v=v, s=s, t=t, learning_rate=learning_rate,
                       beta1=beta1, beta2=beta2, epsilon=epsilon, weight_decay=weight_decay)
        return update_parameters_with_adamw
    if rule == "rmsprop":
        def update_parameters_with_rmsprop(parameters, grads, s, beta2=0.999, learning_rate=0.01,
                                           epsilon=1e-8):
            return run(parameters, grads, s=s, learning_rate=learning_rate, beta2=beta2,
                       epsilon=epsilon)
        return update_parameters_with_rmsprop

    def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                    beta2=0.999, epsilon=1e-8):
        return run(parameters, grads, v=v, s=s, t=t, learning_rate=learning_rate, beta1=beta1,
                   beta2=beta2, epsilon=epsilon)
    return update_parameters_with_adam


_SHARED_UPDATE_MEMBERS = [
    ("wrong-sign", {"sign": 1.0}),
    ("no-learning-rate", {"lr": "none"}),
    ("loop-stops-early", {"layers": "stop-early"}),
    ("loop-one-layer-too-far", {"layers": "too-far"}),
    ("bias-not-updated", {"bias": False}),
    ("bias-not-updated~state", {"bias": "state-only"}),
    ("w-paired-with-db", {"pair": "swapped"}),
    ("w-paired-with-db~b", {"pair": "b-with-dW"}),
    ("w-paired-with-db~W", {"pair": "W-with-db"}),
    ("w-paired-with-db~step", {"step_pair": "swapped"}),
    ("w-paired-with-db~b-inplace", {"pair": "b-with-dW", "inplace": True}),
    ("w-paired-with-db~step-inplace", {"step_pair": "swapped", "inplace": True}),
    ("returns-none", {"returns": "none"}),
]
_SECOND_MOMENT_MEMBERS = [
    ("epsilon-inside-sqrt", {"denom": "sqrt(s+eps)"}),
    ("epsilon-added-to-step", {"denom": "eps-added"}),
    ("epsilon-added-to-step~minus", {"denom": "eps-subtracted"}),
    ("epsilon-added-to-step~after", {"denom": "eps-after-plus"}),
    ("epsilon-added-to-step~after-minus", {"denom": "eps-after-minus"}),
    ("no-epsilon", {"denom": "no-eps"}),
    ("grad-not-squared", {"square": "none"}),
    ("grad-not-squared~abs", {"square": "abs"}),
    ("matrix-product-for-square", {"square": "matmul"}),
    ("square-instead-of-sqrt", {"denom": "square"}),
    ("no-sqrt", {"denom": "no-sqrt"}),
    ("s-from-wrong-gradient", {"s_grad": "other"}),
    ("s-from-wrong-gradient~b", {"s_grad": "b-from-dW"}),
    ("s-from-wrong-gradient~inplace", {"s_grad": "other", "inplace": True}),
    ("s-from-wrong-gradient~b-inplace", {"s_grad": "b-from-dW", "inplace": True}),
]

_UPDATE_MEMBERS = {
    "update_parameters_with_gd": _SHARED_UPDATE_MEMBERS + [
        ("learning-rate-divides", {"lr": "divides"}),
    ],
    "update_parameters_with_momentum": _SHARED_UPDATE_MEMBERS + [
        ("no-one-minus-beta", {"v_form": "no-one-minus"}),
        ("beta-and-one-minus-beta-swapped", {"v_form": "swapped"}),
        ("step-with-grad", {"num": "grad"}),
        ("step-with-old-velocity", {"v_in_step": "old"}),
        ("velocity-not-stored", {"v_store": False}),
        ("lr-in-velocity", {"lr_in_v": True}),
        ("lr-in-velocity~minus", {"lr_in_v": "minus"}),
        ("lr-in-velocity~average", {"lr_in_v": "average"}),
        ("returns-in-wrong-order", {"returns": "reversed"}),
        ("ignores-beta", {"fixed": ("beta", 0.9)}),
    ],
    "update_parameters_with_rmsprop": _SHARED_UPDATE_MEMBERS + _SECOND_MOMENT_MEMBERS + [
        ("beta-and-one-minus-beta-swapped", {"s_form": "swapped"}),
        ("step-with-old-s", {"s_in_step": "old"}),
        ("s-not-stored", {"s_store": False}),
        ("returns-in-wrong-order", {"returns": "reversed"}),
        ("ignores-beta2", {"fixed": ("beta2", 0.999)}),
        ("ignores-learning-rate", {"fixed": ("learning_rate", 0.01)}),
    ],
    "update_parameters_with_adam": _SHARED_UPDATE_MEMBERS + _SECOND_MOMENT_MEMBERS + [
        ("betas-swapped", {"v_beta": "beta2", "s_beta": "beta1", "corr_betas": "follow"}),
        ("betas-swapped~moments", {"v_beta": "beta2", "s_beta": "beta1"}),
        ("s-averaged-with-beta1", {"s_beta": "beta1", "corr_betas": "follow"}),
        ("s-averaged-with-beta1~moments", {"s_beta": "beta1"}),
        ("v-beta-and-one-minus-beta-swapped", {"v_form": "swapped"}),
        ("s-beta-and-one-minus-beta-swapped", {"s_form": "swapped"}),
        ("no-bias-correction", {"corr_v": False, "corr_s": False}),
        ("v-not-corrected-in-step", {"v_corr_in_step": False}),
        ("s-not-corrected-in-step", {"s_corr_in_step": False}),
        ("correction-precedence", {"corr": "precedence"}),
        ("correction-beta-times-t", {"corr": "beta-times-t"}),
        ("correction-exponent-t-plus-one", {"corr": "t+1"}),
        ("correction-exponent-t-minus-one", {"corr": "t-1"}),
        ("correction-exponent-two", {"corr": "two"}),
        ("correction-exponent-layer", {"corr": "layer"}),
        ("correction-no-exponent", {"corr": "none-exponent"}),
        ("correction-one-plus", {"corr": "one-plus"}),
        ("correction-betas-swapped", {"corr_betas": "swapped"}),
        ("corrected-values-stored", {"store_corrected": True}),
        ("returns-uncorrected", {"return_corrected": False}),
        ("step-with-grad", {"num": "grad"}),
        ("step-without-s", {"denom": "none"}),
        ("returns-three-values", {"returns": "three"}),
        ("returns-in-wrong-order", {"returns": "reversed"}),
        ("returns-in-wrong-order~interleaved", {"returns": "interleaved"}),
        ("ignores-beta1", {"fixed": ("beta1", 0.9)}),
        ("ignores-beta2", {"fixed": ("beta2", 0.999)}),
        ("ignores-learning-rate", {"fixed": ("learning_rate", 0.01)}),
    ],
    "update_parameters_with_nesterov": _SHARED_UPDATE_MEMBERS + [
        ("no-look-ahead", {"lookahead": "none"}),
        # beta * v_old + (1 - beta) * g is the new velocity: plain momentum again
        ("no-look-ahead~old-velocity", {"lookahead": "old-v"}),
        ("look-ahead-without-gradient", {"lookahead": "no-grad-term"}),
        ("look-ahead-undamped-gradient", {"lookahead": "undamped-grad"}),
        ("look-ahead-sign", {"lookahead": "minus"}),
        ("torch-style-buffer", {"v_form": "no-one-minus", "lookahead": "undamped-grad"}),
        ("no-one-minus-beta", {"v_form": "no-one-minus"}),
        ("beta-and-one-minus-beta-swapped", {"v_form": "swapped"}),
        ("beta-and-one-minus-beta-swapped~look-ahead", {"lookahead": "swapped"}),
        ("beta-and-one-minus-beta-swapped~both", {"v_form": "swapped", "lookahead": "swapped"}),
        ("step-with-grad", {"lookahead": "none", "num": "grad"}),
        ("velocity-not-stored", {"v_store": False}),
        ("returns-in-wrong-order", {"returns": "reversed"}),
        ("ignores-beta", {"fixed": ("beta", 0.9)}),
    ],
}
_UPDATE_MEMBERS["update_parameters_with_adamw"] = [
    (slug, params) for slug, params in _UPDATE_MEMBERS["update_parameters_with_adam"]
    if slug != "ignores-learning-rate"] + [
    ("ignores-learning-rate", {"fixed": ("learning_rate", 0.01)}),
    ("adam-with-l2", {"decay": "l2"}),
    ("no-weight-decay", {"decay": "none"}),
    ("decay-without-learning-rate", {"decay": "no-lr"}),
    ("decay-after-step", {"decay": "post-step"}),
    ("decay-divided-by-sqrt", {"decay": "in-denominator"}),
    ("decay-sign", {"decay": "plus"}),
    ("decay-skips-biases", {"decay_bias": False}),
    ("ignores-weight-decay", {"fixed": ("weight_decay", 0.01)}),
]

#: Members whose return shape differs (the judge matches their values by position instead of
#: comparing records); the precomputed data hold no records for them.
RETURN_SHAPE_SLUGS = ("returns-three-values", "returns-in-wrong-order", "returns-none")


# ----------------------------------------------------------------------------- initialisers
def _init_function(name, params):
    mode = params.get("mode", "zeros")
    layers = params.get("layers", "all")

    def make(parameters):
        state = {}
        for l in _layer_numbers(parameters, layers):
            for p in ("W", "b"):
                value = parameters[f"{p}{l}"]
                key = f"{p}{l}" if mode == "param-keys" else f"d{p}{l}"
                if mode == "copies":
                    state[key] = value.copy()
                elif mode == "ones":
                    state[key] = np.ones_like(value)
                elif mode == "wrong-shape":
                    state[key] = np.zeros((value.shape[0], 1))
                elif mode == "transposed":
                    state[key] = np.zeros(value.T.shape)
                elif mode == "b-like-W":
                    state[key] = np.zeros(parameters[f"W{l}"].shape)
                elif mode == "alias":
                    state[key] = value
                elif mode == "int":
                    state[key] = np.zeros(value.shape, dtype=int)
                else:
                    state[key] = np.zeros_like(value)
        return state

    if name == "initialize_adam":
        def initialize_adam(parameters):
            v = make(parameters)
            if mode == "same-dict":
                return v, v
            if mode == "share-arrays":
                return v, dict(v)
            if mode == "one-dict":
                return v
            if mode == "none":
                return None
            return v, make(parameters)
        return initialize_adam

    def initialize(parameters):
        state = make(parameters)
        return None if mode == "none" else state
    initialize.__name__ = name
    return initialize


_INIT_SHARED_MEMBERS = [
    ("param-keys", {"mode": "param-keys"}),
    ("copies-parameters", {"mode": "copies"}),
    ("ones", {"mode": "ones"}),
    ("loop-stops-early", {"layers": "stop-early"}),
    ("loop-one-layer-too-far", {"layers": "too-far"}),
    ("wrong-shape", {"mode": "wrong-shape"}),
    ("wrong-shape~transposed", {"mode": "transposed"}),
    ("aliases-parameters", {"mode": "alias"}),
    ("wrong-shape~b-like-W", {"mode": "b-like-W"}),
    ("integer-zeros", {"mode": "int"}),
    ("returns-none", {"mode": "none"}),
]
_INIT_MEMBERS = {
    "initialize_velocity": _INIT_SHARED_MEMBERS,
    "initialize_rmsprop": _INIT_SHARED_MEMBERS,
    "initialize_adam": _INIT_SHARED_MEMBERS + [
        ("v-and-s-same-dict", {"mode": "same-dict"}),
        ("v-and-s-share-arrays", {"mode": "share-arrays"}),
        ("returns-one-dict", {"mode": "one-dict"}),
    ],
}


# ----------------------------------------------------------------------------- schedules
def _update_lr_function(params):
    form = params["form"]

    def update_lr(learning_rate0, epoch_num, decay_rate):
        e = epoch_num + 1 if form == "epoch-plus-one" else epoch_num
        if form == "precedence":
            return learning_rate0 / 1 + decay_rate * e
        if form == "precedence-2":
            return learning_rate0 / (1 + decay_rate) * e
        if form == "multiplies":
            return learning_rate0 * (1 + decay_rate * e)
        if form == "exp":
            return learning_rate0 * np.exp(-decay_rate * e)
        if form == "power":
            return learning_rate0 * decay_rate ** e
        if form == "no-decay":
            return learning_rate0
        if form == "none":
            return None
        if form == "squared":
            return learning_rate0 / (1 + decay_rate * e ** 2)
        return learning_rate0 / (1 + decay_rate * e)
    return update_lr


def _schedule_function(params):
    form = params["form"]

    def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
        T = 1000 if form == "fixed-interval" else time_interval
        if form == "threshold":
            n = 1 if epoch_num >= T else 0
        elif form == "round":
            n = round(epoch_num / T)
        elif form == "ceil":
            n = np.ceil(epoch_num / T)
        elif form == "no-floor":
            n = epoch_num / T
        elif form == "multiples":
            n = epoch_num / T if epoch_num % T == 0 else 0
        elif form == "every-epoch":
            n = epoch_num
        else:
            n = np.floor(epoch_num / T)
        if form == "none":
            return None
        if form == "compounding":
            return learning_rate0 / (1 + decay_rate) ** n
        if form == "precedence":
            return learning_rate0 / (1 + decay_rate) * n
        if form == "precedence-2":
            return learning_rate0 / 1 + decay_rate * n
        return learning_rate0 / (1 + decay_rate * n)
    return schedule_lr_decay


def _warmup_function(params):
    form = params["form"]

    def warmup_cosine_lr(learning_rate0, step, warmup_steps, total_steps, min_learning_rate=0.0):
        lo = 0.0 if form == "no-min" else min_learning_rate
        if form == "none":
            return None
        if step < warmup_steps and form != "no-warmup":
            if form == "off-by-one":
                return learning_rate0 * (step + 1) / warmup_steps
            if form == "integer-division":
                return learning_rate0 * (step // warmup_steps)
            if form == "warmup-from-min":
                return lo + (learning_rate0 - lo) * step / warmup_steps
            return learning_rate0 * step / warmup_steps
        if form == "progress-over-total":
            progress = (step - warmup_steps) / max(1, total_steps)
        elif form == "progress-not-shifted":
            progress = step / max(1, total_steps - warmup_steps)
        elif form == "no-max-one":
            progress = (step - warmup_steps) / (total_steps - warmup_steps)
        else:
            progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        if form != "no-clamp":
            progress = min(1.0, progress)
        angle = 180 * progress if form == "degrees" else np.pi * progress
        cos = np.cos(angle)
        if form == "no-half":
            return lo + (learning_rate0 - lo) * (1 + cos)
        if form == "no-one-plus":
            return lo + (learning_rate0 - lo) * cos / 2
        if form == "one-minus-cos":
            return lo + (learning_rate0 - lo) * (1 - cos) / 2
        if form == "amplitude-not-reduced":
            return lo + learning_rate0 * (1 + cos) / 2
        return lo + (learning_rate0 - lo) * (1 + cos) / 2
    return warmup_cosine_lr


_SCALAR_MEMBERS = {
    "update_lr": [
        ("precedence", {"form": "precedence"}),
        ("precedence~2", {"form": "precedence-2"}),
        ("multiplies", {"form": "multiplies"}),
        ("exponential", {"form": "exp"}),
        ("exponential~power", {"form": "power"}),
        ("epoch-plus-one", {"form": "epoch-plus-one"}),
        ("no-decay", {"form": "no-decay"}),
        ("squared-epoch", {"form": "squared"}),
        ("returns-none", {"form": "none"}),
    ],
    "schedule_lr_decay": [
        ("one-decay-threshold", {"form": "threshold"}),
        ("round-instead-of-floor", {"form": "round"}),
        ("ceil-instead-of-floor", {"form": "ceil"}),
        ("no-floor", {"form": "no-floor"}),
        ("decays-only-on-multiples", {"form": "multiples"}),
        ("interval-ignored", {"form": "every-epoch"}),
        ("fixed-interval", {"form": "fixed-interval"}),
        ("compounding", {"form": "compounding"}),
        ("precedence", {"form": "precedence"}),
        ("precedence~2", {"form": "precedence-2"}),
        ("returns-none", {"form": "none"}),
    ],
    "warmup_cosine_lr": [(slug, {"form": slug}) for slug in (
        "off-by-one", "integer-division", "warmup-from-min", "no-warmup", "progress-over-total",
        "progress-not-shifted", "no-max-one", "no-clamp", "degrees", "no-half", "no-one-plus",
        "one-minus-cos", "no-min", "amplitude-not-reduced")] + [
        ("returns-none", {"form": "none"})],
}


# ----------------------------------------------------------------------------- mini-batches
def _minibatches_function(params):
    """The mini-batch rule with one mistake; judged by properties (see checks.minibatches)."""
    form = params["form"]

    def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
        np.random.seed(seed)
        m = X.shape[1]
        permutation = list(np.random.permutation(m))
        if form == "seed-ignored":      # np.random.seed(0) written inside the function
            np.random.seed(0)
            permutation = list(np.random.permutation(m))
        shuffled_X = X[:, permutation]
        shuffled_Y = Y[:, permutation]
        if form == "not-shuffled":
            shuffled_X, shuffled_Y = X, Y
        if form == "x-y-shuffled-differently":
            shuffled_Y = Y[:, list(np.random.permutation(m))]
        if form == "features-shuffled":
            shuffled_X = X[list(np.random.permutation(X.shape[0])), :]
            shuffled_Y = Y
        if form == "shuffles-in-place":
            X[:, :] = shuffled_X
            Y[:, :] = shuffled_Y
        size = mini_batch_size + (1 if form == "wrong-batch-size" else 0)
        full = m // size
        batches = []
        for k in range(full):
            a, b = (k, k + size) if form == "slice-starts-at-k" else (k * size, (k + 1) * size)
            bx, by = shuffled_X[:, a:b], shuffled_Y[:, a:b]
            if form == "y-shape-lost":
                by = by.ravel()
            if form == "examples-as-rows":
                bx, by = bx.T, by.T
            batches.append((bx, by))
        if form == "fails-when-m-smaller-than-batch":
            last = (k + 1) * size  # noqa: F821 - k is undefined when there is no full batch
        else:
            last = full * size
        if form == "empty-last-batch" or (m % size and form != "last-batch-dropped"):
            start = {"last-batch-wrong-slice": last - 1,
                     "last-batch-from-end": m - size}.get(form, last)
            bx, by = shuffled_X[:, start:m], shuffled_Y[:, start:m]
            if form == "y-shape-lost":
                by = by.ravel()
            if form == "examples-as-rows":
                bx, by = bx.T, by.T
            batches.append((bx, by))
        return batches
    return random_mini_batches


_MINIBATCH_MEMBERS = [(slug, {"form": slug}) for slug in (
    "x-y-shuffled-differently", "not-shuffled", "features-shuffled", "examples-as-rows",
    "last-batch-dropped", "last-batch-wrong-slice", "slice-starts-at-k", "empty-last-batch",
    "fails-when-m-smaller-than-batch", "y-shape-lost", "seed-ignored", "wrong-batch-size",
    "shuffles-in-place")] + [("last-batch-wrong-slice~from-end", {"form": "last-batch-from-end"})]


# ----------------------------------------------------------------------------- the table
def members(name: str, with_pairs: bool = False) -> list[Member]:
    """The family of graded function ``name``, in a stable order (single mistakes, then with
    ``with_pairs`` the plausible pairs)."""
    if with_pairs:
        return members(name) + pairs(name)
    from autograder.checks.vocabulary import PREFIX
    table = (_UPDATE_MEMBERS.get(name) or _INIT_MEMBERS.get(name) or _SCALAR_MEMBERS.get(name)
             or (_MINIBATCH_MEMBERS if name == "random_mini_batches" else None))
    if table is None:
        raise KeyError(name)
    out = []
    for slug_key, params in table:
        slug = slug_key.split("~")[0]
        out.append(Member(f"{PREFIX[name]}/{slug}", f"{PREFIX[name]}/{slug_key}", dict(params)))
    return out


# Plausible pairs of mistakes made at once (tried only when no single member explains the
# output): slugs of the first and of the second mistake. Kept small: their records are
# precomputed for the visible cases and shipped as data.
_STEP = ["wrong-sign", "no-learning-rate"]
_SQRT = ["epsilon-inside-sqrt", "epsilon-added-to-step", "no-epsilon", "grad-not-squared",
         "square-instead-of-sqrt", "no-sqrt"]
_PAIRS = {
    "update_parameters_with_gd": [(a, b) for a in _STEP
                                  for b in ["no-learning-rate", "loop-stops-early",
                                            "bias-not-updated"] if a != b],
    "update_parameters_with_momentum": [(a, b) for a in _STEP + ["no-one-minus-beta",
                                                                 "beta-and-one-minus-beta-swapped"]
                                        for b in ["no-learning-rate", "step-with-old-velocity",
                                                  "velocity-not-stored", "loop-stops-early",
                                                  "bias-not-updated", "no-one-minus-beta"]
                                        if a != b],
    "update_parameters_with_rmsprop": [(a, b) for a in _STEP + _SQRT
                                       for b in _SQRT + ["beta-and-one-minus-beta-swapped",
                                                         "loop-stops-early"]
                                       if a != b],
    "update_parameters_with_adam": [(a, b) for a in _STEP + _SQRT
                                    for b in _SQRT + [
                                        "betas-swapped", "s-averaged-with-beta1",
                                        "no-bias-correction", "correction-precedence",
                                        "correction-exponent-t-plus-one",
                                        "correction-no-exponent", "correction-one-plus",
                                        "correction-betas-swapped", "step-with-grad"]
                                    if a != b] + [("v-not-corrected-in-step",
                                                   "s-not-corrected-in-step")],
    "update_parameters_with_nesterov": [
        (a, b) for a in _STEP + ["no-one-minus-beta", "beta-and-one-minus-beta-swapped"]
        for b in ["no-look-ahead", "look-ahead-without-gradient",
                  "velocity-not-stored", "loop-stops-early", "bias-not-updated"] if a != b],
    "update_parameters_with_adamw": [
        (a, b) for a in ["wrong-sign", "epsilon-inside-sqrt", "epsilon-added-to-step",
                         "no-bias-correction", "betas-swapped", "correction-exponent-t-plus-one"]
        for b in ["adam-with-l2", "decay-without-learning-rate", "decay-after-step",
                  "decay-skips-biases", "decay-divided-by-sqrt"]],
}


_PAIRED_VARIANTS = ("abs", "after")


def pairs(name: str) -> list[Member]:
    """Members made of two mistakes at once, ids joined by ``+`` in the vocabulary's order."""
    from autograder.checks.vocabulary import order
    singles = members(name)
    by_slug: dict[str, list[Member]] = {}
    for m in singles:   # the base form of each mistake, and the variants learners often pair
        if "~" not in m.key or m.key.split("~")[1] in _PAIRED_VARIANTS:
            by_slug.setdefault(m.id.split("/")[1], []).append(m)
    out, seen = [], set()
    for a, b in _PAIRS.get(name, []):
        for ma in by_slug.get(a, []):
            for mb in by_slug.get(b, []):
                if set(ma.params) & set(mb.params):
                    continue   # both change the same part of the rule: not a pair
                first, second = sorted((ma, mb), key=lambda m: order(m.id))
                key = f"{first.key}+{second.key}"
                if key in seen:
                    continue
                seen.add(key)
                out.append(Member(f"{first.id}+{second.id}", key,
                                  {**first.params, **second.params}))
    return out


def member_function(name: str, member: Member):
    """A function that makes ``member``'s mistake (never the course's rule)."""
    assert member.params, "a family member is a wrong rule"
    if name in _UPDATE_MEMBERS:
        return _update_function(name, member.params)
    if name in _INIT_MEMBERS:
        return _init_function(name, member.params)
    if name == "update_lr":
        return _update_lr_function(member.params)
    if name == "schedule_lr_decay":
        return _schedule_function(member.params)
    if name == "warmup_cosine_lr":
        return _warmup_function(member.params)
    return _minibatches_function(member.params)


def is_return_shape(member: Member) -> bool:
    return member.id.split("/")[1] in RETURN_SHAPE_SLUGS


__all__ = ["Member", "members", "member_function", "is_return_shape", "RETURN_SHAPE_SLUGS"]
