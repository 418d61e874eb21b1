"""The mistake catalogue: deliberately WRONG versions of the graded functions.

Each factory below refuses to build the correct function (the references come only from the
masters' solution cells); a few variants are the master's own function fed a wrong argument.

When a learner's result differs from the reference, the judge runs every variant listed here on
the same input; if the learner's result matches one of them, the feedback names that mistake.
These functions are wrong on purpose and are never used as references.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mistake:
    id: str
    title: str      # what the code does, in a few words
    meaning: str    # what that pattern usually means
    hint: str       # a pointer towards the fix, not the answer
    fn: object = None


def _layers(parameters):
    return len(parameters) // 2


def _keys(parameters, stop_early=False):
    L = _layers(parameters)
    for l in range(1, L if stop_early else L + 1):
        for p in ("W", "b"):
            yield f"{p}{l}", f"d{p}{l}"


# ----------------------------------------------------------------------------- gradient descent
def _gd(sign=-1.0, lr_factor=True, stop_early=False, only_w=False):
    assert (sign, lr_factor, stop_early, only_w) != (-1.0, True, False, False), \
        "the catalogue holds wrong variants only"

    def update_parameters_with_gd(parameters, grads, learning_rate):
        for k, dk in _keys(parameters, stop_early):
            if only_w and k.startswith("b"):
                continue
            step = (learning_rate if lr_factor else 1.0) * grads[dk]
            parameters[k] = parameters[k] + sign * step
        return parameters
    return update_parameters_with_gd


LOOP_EARLY = ("your loop stops one layer early",
              "The last layer came back unchanged: a loop written range(1, L) stops at L - 1, "
              "because Python's range leaves out its end.",
              "Layers are numbered 1 to L; check the end of your range().")
WRONG_SIGN = ("you step up the gradient (wrong sign)",
              "The parameters moved in the direction of the gradient, which makes the cost "
              "grow: the update adds the step instead of subtracting it.",
              "Gradient descent moves against the gradient: look at the sign of your update.")

GD = [
    Mistake("wrong_sign", *WRONG_SIGN, fn=_gd(sign=1.0)),
    Mistake("no_learning_rate", "you step with the raw gradient, without the learning rate",
            "The parameters moved by exactly the gradient: the learning rate is not applied.",
            "The step is the gradient scaled by learning_rate.", _gd(lr_factor=False)),
    Mistake("loop_stops_early", *LOOP_EARLY, fn=_gd(stop_early=True)),
    Mistake("bias_not_updated", "the biases b1, b2, ... are not updated",
            "Only the weights changed: the loop updates W but forgets b.",
            "Each layer has two parameters, W and b; both take a step.", _gd(only_w=True)),
]


# ----------------------------------------------------------------------------- momentum
def _momentum(variant):
    assert variant, "the catalogue holds wrong variants only"

    def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
        for k, dk in _keys(parameters, variant == "stop_early"):
            g = grads[dk]
            old = v[dk]
            if variant == "no_one_minus_beta":
                new = beta * old + g
            elif variant == "lr_in_velocity":
                new = beta * old - learning_rate * g
            elif variant == "beta_swapped":
                new = (1 - beta) * old + beta * g
            else:
                new = beta * old + (1 - beta) * g
            if variant == "not_stored":
                v_used = new
            else:
                v[dk] = new
                v_used = new
            if variant == "step_with_grad":
                step = g
            elif variant == "old_velocity":
                step = old
            else:
                step = v_used
            if variant == "lr_in_velocity":
                v[dk] = new
                parameters[k] = parameters[k] + new
                continue
            sign = 1.0 if variant == "wrong_sign" else -1.0
            parameters[k] = parameters[k] + sign * learning_rate * step
        return parameters, v
    return update_parameters_with_momentum


MOMENTUM = [
    Mistake("no_one_minus_beta", "your velocity has no (1 - beta) factor",
            "The velocity grew too large: v = beta * v + grad adds the whole gradient each "
            "step. That is PyTorch's undamped momentum, not this course's convention.",
            "The new velocity is an average: beta of the old velocity plus (1 - beta) of the "
            "gradient.", _momentum("no_one_minus_beta")),
    Mistake("step_with_grad", "you step with the raw gradient instead of the velocity",
            "The velocity is computed but the parameters move by learning_rate * grad, so "
            "this is plain gradient descent.",
            "Once v is updated, it is v (not the gradient) that moves the parameters.",
            _momentum("step_with_grad")),
    Mistake("beta_swapped", "beta and (1 - beta) are swapped",
            "Your velocity keeps (1 - beta) of its past and takes beta of the new gradient.",
            "beta multiplies the old velocity, (1 - beta) the gradient.",
            _momentum("beta_swapped")),
    Mistake("old_velocity", "you step with the old velocity",
            "The parameters moved with the velocity from before this step (on a zero start "
            "they did not move at all): the step comes before the velocity update.",
            "Update v first, then use the new v for the step.", _momentum("old_velocity")),
    Mistake("not_stored", "the new velocity is not stored in v",
            "The parameters are right but the v you return still holds the old values, so the "
            "next call starts from a stale velocity.",
            "Write the new velocity into v[...] (or return the dictionary that holds it).",
            _momentum("not_stored")),
    Mistake("lr_in_velocity", "the learning rate is inside your velocity",
            "You wrote the other common form of momentum, v = beta * v - learning_rate * grad "
            "then W + v. This course's v is an average of gradients, without the learning "
            "rate; the two forms are not interchangeable step by step.",
            "v = beta * v + (1 - beta) * grad, then the parameters take learning_rate * v.",
            _momentum("lr_in_velocity")),
    Mistake("wrong_sign", *WRONG_SIGN, fn=_momentum("wrong_sign")),
    Mistake("loop_stops_early", *LOOP_EARLY, fn=_momentum("stop_early")),
]


# ----------------------------------------------------------------------------- RMSprop
def _rmsprop(variant):
    assert variant, "the catalogue holds wrong variants only"

    def update_parameters_with_rmsprop(parameters, grads, s, beta2=0.999, learning_rate=0.01,
                                       epsilon=1e-8):
        for k, dk in _keys(parameters, variant == "stop_early"):
            g = grads[dk]
            old = s[dk]
            sq = {"not_squared": g, "abs": np.abs(g)}.get(variant, g ** 2)
            if variant == "beta_swapped":
                new = (1 - beta2) * old + beta2 * sq
            else:
                new = beta2 * old + (1 - beta2) * sq
            s[dk] = new
            used = old if variant == "old_s" else new
            if variant == "eps_inside":
                denom = np.sqrt(used + epsilon)
            elif variant == "no_sqrt":
                denom = used + epsilon
            elif variant == "no_epsilon":
                denom = np.sqrt(used)
            else:
                denom = np.sqrt(used) + epsilon
            sign = 1.0 if variant == "wrong_sign" else -1.0
            with np.errstate(all="ignore"):
                if variant in ("eps_in_step", "eps_in_step_plus"):
                    side = 1.0 if variant == "eps_in_step_plus" else -1.0
                    parameters[k] = parameters[k] - learning_rate * g / np.sqrt(used) \
                        + side * epsilon
                    continue
                parameters[k] = parameters[k] + sign * learning_rate * g / denom
        return parameters, s
    return update_parameters_with_rmsprop


EPS_IN_STEP = ("epsilon is added to the step instead of the denominator",
               "Without parentheses around np.sqrt(...) + epsilon, Python divides first and then "
               "adds epsilon to the whole step, so every parameter also moves by epsilon.",
               "Put the denominator in parentheses: (np.sqrt(...) + epsilon).")
EPS_INSIDE = ("epsilon is inside the square root",
              "You divide by sqrt(s + epsilon). This course (like PyTorch and the original "
              "papers) adds epsilon outside: sqrt(s) + epsilon. With epsilon = 0.01 the two "
              "differ clearly.",
              "Take the square root of the second moment first, then add epsilon.")
NOT_SQUARED = ("your second moment is not squared",
               "s averages the gradient itself (or its absolute value) instead of the squared "
               "gradient; a plain gradient can even make s negative and the root nan.",
               "s tracks the average of grad ** 2 (element-wise square).")

RMSPROP = [
    Mistake("eps_inside_sqrt", *EPS_INSIDE, fn=_rmsprop("eps_inside")),
    Mistake("eps_in_step", *EPS_IN_STEP, fn=_rmsprop("eps_in_step")),
    Mistake("eps_in_step", *EPS_IN_STEP, fn=_rmsprop("eps_in_step_plus")),
    Mistake("not_squared", *NOT_SQUARED, fn=_rmsprop("not_squared")),
    Mistake("not_squared", *NOT_SQUARED, fn=_rmsprop("abs")),
    Mistake("no_sqrt", "you divide by s instead of its square root",
            "The step is grad / (s + epsilon): the square root is missing.",
            "RMSprop divides by the root of the mean square.", _rmsprop("no_sqrt")),
    Mistake("no_epsilon", "epsilon is missing",
            "You divide by sqrt(s) alone; epsilon is there so a tiny s cannot blow the step up.",
            "Add epsilon to the denominator (outside the square root).", _rmsprop("no_epsilon")),
    Mistake("beta_swapped", "beta2 and (1 - beta2) are swapped",
            "Your s keeps (1 - beta2) of its past and takes beta2 of the new squared gradient.",
            "beta2 multiplies the old s, (1 - beta2) the squared gradient.",
            _rmsprop("beta_swapped")),
    Mistake("old_s", "you step with the old s",
            "The step divides by the s from before this update.",
            "Update s first, then use the new s in the step.", _rmsprop("old_s")),
    Mistake("wrong_sign", *WRONG_SIGN, fn=_rmsprop("wrong_sign")),
    Mistake("loop_stops_early", *LOOP_EARLY, fn=_rmsprop("stop_early")),
]


# ----------------------------------------------------------------------------- Adam
def _adam(variant):
    assert variant, "the catalogue holds wrong variants only"

    def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                    beta2=0.999, epsilon=1e-8):
        b1, b2 = (beta2, beta1) if variant == "betas_swapped" else (beta1, beta2)
        tt = {"t_plus_one": t + 1, "t_minus_one": t - 1}.get(variant, t)
        vc, sc = {}, {}
        with np.errstate(all="ignore"):
            for k, dk in _keys(parameters, variant == "stop_early"):
                g = grads[dk]
                v[dk] = b1 * v[dk] + (1 - b1) * g
                sq = {"not_squared": g, "abs": np.abs(g)}.get(variant, g ** 2)
                s[dk] = b2 * s[dk] + (1 - b2) * sq
                if variant in ("no_bias_correction", "no_bias_correction_v"):
                    vc[dk] = v[dk]
                elif variant == "power_misplaced":
                    vc[dk] = v[dk] / (1 - b1) ** tt
                else:
                    vc[dk] = v[dk] / (1 - b1 ** tt) if tt != 0 else v[dk] * np.inf
                if variant in ("no_bias_correction", "no_bias_correction_s"):
                    sc[dk] = s[dk]
                elif variant == "power_misplaced":
                    sc[dk] = s[dk] / (1 - b2) ** tt
                else:
                    sc[dk] = s[dk] / (1 - b2 ** tt) if tt != 0 else s[dk] * np.inf
                if variant == "corrected_stored":
                    v[dk], s[dk] = vc[dk], sc[dk]
                if variant == "correction_precedence":
                    vc[dk] = v[dk] / 1 - b1 ** tt
                    sc[dk] = s[dk] / 1 - b2 ** tt
                if variant == "correction_betas_swapped":
                    vc[dk] = v[dk] / (1 - b2 ** tt)
                    sc[dk] = s[dk] / (1 - b1 ** tt)
                num = {"step_with_grad": g, "step_with_v": v[dk]}.get(variant, vc[dk])
                if variant == "step_with_s":
                    denom = np.sqrt(s[dk]) + epsilon
                elif variant == "eps_inside":
                    denom = np.sqrt(sc[dk] + epsilon)
                elif variant == "no_sqrt":
                    denom = sc[dk] + epsilon
                else:
                    denom = np.sqrt(sc[dk]) + epsilon
                sign = 1.0 if variant == "wrong_sign" else -1.0
                if variant in ("eps_in_step", "eps_in_step_plus"):
                    side = 1.0 if variant == "eps_in_step_plus" else -1.0
                    parameters[k] = parameters[k] - learning_rate * num / np.sqrt(sc[dk]) \
                        + side * epsilon
                    continue
                parameters[k] = parameters[k] + sign * learning_rate * num / denom
        return parameters, v, s, vc, sc
    return update_parameters_with_adam


ADAM = [
    Mistake("eps_inside_sqrt", *EPS_INSIDE, fn=_adam("eps_inside")),
    Mistake("eps_in_step", *EPS_IN_STEP, fn=_adam("eps_in_step")),
    Mistake("eps_in_step", *EPS_IN_STEP, fn=_adam("eps_in_step_plus")),
    Mistake("correction_precedence", "the bias correction is missing its parentheses",
            "v / 1 - beta1 ** t divides by 1 and then subtracts beta1 ** t; the correction "
            "divides by the whole (1 - beta1 ** t).",
            "Put 1 - beta ** t in parentheses.", _adam("correction_precedence")),
    Mistake("no_bias_correction", "the bias correction is missing",
            "v_corrected equals v and s_corrected equals s: the moments start at zero, so "
            "without dividing by (1 - beta ** t) the first steps are far too small.",
            "Each corrected moment divides the moment by 1 minus beta to the power t.",
            _adam("no_bias_correction")),
    Mistake("no_bias_correction_v", "v is not bias-corrected",
            "s_corrected is right but v_corrected equals v.",
            "v_corrected uses beta1 and t the same way s_corrected uses beta2 and t.",
            _adam("no_bias_correction_v")),
    Mistake("no_bias_correction_s", "s is not bias-corrected",
            "v_corrected is right but s_corrected equals s.",
            "s_corrected uses beta2 and t the same way v_corrected uses beta1 and t.",
            _adam("no_bias_correction_s")),
    Mistake("t_plus_one", "your step counter is off by one (t + 1)",
            "The bias correction matches step t + 1: the counter is incremented inside the "
            "function, or used as t + 1. The caller already counts steps from 1.",
            "Use t exactly as it is passed in; do not add to it.", _adam("t_plus_one")),
    Mistake("t_minus_one", "your step counter is off by one (t - 1)",
            "The bias correction matches step t - 1 (at t = 1 that divides by zero). t counts "
            "optimizer steps from 1.", "Use t exactly as it is passed in.", _adam("t_minus_one")),
    Mistake("power_misplaced", "the power t is applied to (1 - beta) instead of to beta",
            "You divide by (1 - beta) ** t; the correction is 1 - (beta ** t).",
            "Watch the parentheses: only beta is raised to the power t.",
            _adam("power_misplaced")),
    Mistake("not_squared", *NOT_SQUARED, fn=_adam("not_squared")),
    Mistake("not_squared", *NOT_SQUARED, fn=_adam("abs")),
    Mistake("step_with_grad", "you step with the raw gradient instead of the first moment",
            "The moments are right but the numerator of the step is the gradient itself.",
            "The step's numerator is v_corrected.", _adam("step_with_grad")),
    Mistake("step_with_v", "you step with v instead of v_corrected",
            "The moments and corrections are right, but the step uses the uncorrected v.",
            "The step's numerator is the corrected first moment.", _adam("step_with_v")),
    Mistake("step_with_s", "you divide by sqrt(s) instead of sqrt(s_corrected)",
            "The moments and corrections are right, but the step's denominator uses the "
            "uncorrected s.", "The step's denominator is built from s_corrected.",
            _adam("step_with_s")),
    Mistake("correction_betas_swapped", "the bias corrections use the wrong beta",
            "v_corrected divides by (1 - beta2 ** t) and s_corrected by (1 - beta1 ** t).",
            "Each moment is corrected with its own beta: v with beta1, s with beta2.",
            _adam("correction_betas_swapped")),
    Mistake("corrected_stored", "the corrected moments overwrite v and s",
            "After one call v and s hold v_corrected and s_corrected, so the next call corrects "
            "again and the moments drift (visible from the second call on).",
            "Keep v and s uncorrected; put the corrected values in separate dictionaries.",
            _adam("corrected_stored")),
    Mistake("betas_swapped", "beta1 and beta2 are swapped",
            "Your first moment uses beta2 and your second moment beta1.",
            "beta1 goes with v (the gradient), beta2 with s (the squared gradient).",
            _adam("betas_swapped")),
    Mistake("no_sqrt", "you divide by s_corrected instead of its square root",
            "The step is v_corrected / (s_corrected + epsilon): the square root is missing.",
            "Adam divides by the root of the corrected second moment.", _adam("no_sqrt")),
    Mistake("wrong_sign", *WRONG_SIGN, fn=_adam("wrong_sign")),
    Mistake("loop_stops_early", *LOOP_EARLY, fn=_adam("stop_early")),
]


# ----------------------------------------------------------------------------- initializers
def _init(variant, pair=False):
    assert variant, "the catalogue holds wrong variants only"

    def one(parameters):
        state = {}
        for k, dk in _keys(parameters, variant == "stop_early"):
            if variant == "param_keys":
                state[k] = np.zeros_like(parameters[k])
            elif variant == "copies":
                state[dk] = parameters[k].copy()
            elif variant == "ones":
                state[dk] = np.ones_like(parameters[k])
            else:
                state[dk] = np.zeros_like(parameters[k])
        return state

    if pair:
        def initialize_adam(parameters):
            return one(parameters), one(parameters)
        return initialize_adam
    return one


def _init_catalogue(pair, who):
    return [
        Mistake("param_keys", f"your {who} keys are named like the parameters (W1 instead of dW1)",
                "The state follows the gradients' naming: dW1, db1, ... The update functions "
                "look up v['dW1'] and would raise KeyError.",
                "Name each entry after the gradient it averages: 'd' + the parameter's name.",
                _init("param_keys", pair)),
        Mistake("copies", "your state starts as a copy of the parameters",
                "The values are the parameters' values, not zeros: the state must start empty "
                "(all zeros) because no gradient has been seen yet.",
                "Make zero arrays with each parameter's shape (np.zeros_like).",
                _init("copies", pair)),
        Mistake("ones", "your state starts at ones", "The arrays hold 1.0 instead of 0.0.",
                "No gradient has been seen yet: start from zeros.", _init("ones", pair)),
        Mistake("loop_stops_early", "the last layer has no entries",
                "The keys of layer L are missing: a loop range(1, L) stops at L - 1.",
                "Layers are numbered 1 to L; check the end of your range().",
                _init("stop_early", pair)),
    ]


INIT_VELOCITY = _init_catalogue(False, "v")
INIT_RMSPROP = _init_catalogue(False, "s")
INIT_ADAM = _init_catalogue(True, "v and s")


# ----------------------------------------------------------------------------- decay
def _update_lr(variant):
    def update_lr(learning_rate0, epoch_num, decay_rate):
        if variant == "precedence":
            return learning_rate0 / (1 + decay_rate) * epoch_num
        if variant == "precedence_plus":
            return learning_rate0 / 1 + decay_rate * epoch_num
        if variant == "exponential":
            return learning_rate0 * decay_rate ** epoch_num
        if variant == "epoch_plus_one":
            return learning_rate0 / (1 + decay_rate * (epoch_num + 1))
        if variant == "multiplies":
            return learning_rate0 * (1 + decay_rate * epoch_num)
        if variant == "no_decay":
            return learning_rate0
        if variant == "power":
            return learning_rate0 / (1 + decay_rate) ** epoch_num
        raise ValueError(variant)
    return update_lr


UPDATE_LR = [
    Mistake("precedence", "the parentheses are misplaced",
            "You computed learning_rate0 / (1 + decay_rate) * epoch_num: Python divides first, "
            "then multiplies by epoch_num.",
            "The whole 1 + decay_rate * epoch_num is the denominator.", _update_lr("precedence")),
    Mistake("precedence", "the parentheses are missing",
            "You computed learning_rate0 / 1 + decay_rate * epoch_num: the division happens "
            "first, so the rate grows with the epochs.",
            "Put 1 + decay_rate * epoch_num in parentheses.", _update_lr("precedence_plus")),
    Mistake("multiplies", "you multiply instead of dividing",
            "The learning rate grows with the epochs.", "Decay divides learning_rate0.",
            _update_lr("multiplies")),
    Mistake("exponential", "this is exponential decay (decay_rate ** epoch_num)",
            "Exponential decay is another schedule; this one is inverse-time decay.",
            "Divide by 1 + decay_rate * epoch_num.", _update_lr("exponential")),
    Mistake("power", "decay_rate is compounded each epoch ((1 + decay_rate) ** epoch_num)",
            "The denominator grows geometrically instead of linearly.",
            "Divide by 1 + decay_rate * epoch_num.", _update_lr("power")),
    Mistake("epoch_plus_one", "the epoch is off by one",
            "At epoch 0 the rate should still be learning_rate0.",
            "Use epoch_num as it is.", _update_lr("epoch_plus_one")),
    Mistake("no_decay", "the learning rate does not change",
            "You return learning_rate0 whatever the epoch.",
            "The rate divides learning_rate0 by a number that grows with epoch_num.",
            _update_lr("no_decay")),
]


def _schedule(variant):
    def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
        if variant == "round":
            k = round(epoch_num / time_interval)
        elif variant == "no_floor":
            k = epoch_num / time_interval
        elif variant == "ceil":
            k = math.ceil(epoch_num / time_interval)
        elif variant == "fixed_interval":
            k = math.floor(epoch_num / 1000)
        elif variant == "every_epoch":
            k = epoch_num
        elif variant == "exact_multiples":
            if epoch_num % time_interval != 0:
                return learning_rate0
            k = epoch_num / time_interval
        elif variant == "precedence":
            return learning_rate0 / (1 + decay_rate) * math.floor(epoch_num / time_interval)
        elif variant == "compounding":
            return learning_rate0 / (1 + decay_rate) ** math.floor(epoch_num / time_interval)
        else:
            raise ValueError(variant)
        return learning_rate0 / (1 + decay_rate * k)
    return schedule_lr_decay


SCHEDULE_LR_DECAY = [
    Mistake("round_instead_of_floor", "you round epoch_num / time_interval instead of flooring it",
            "round() jumps to the next step halfway through an interval (epoch 1500 with an "
            "interval of 1000 counts as 2 decays instead of 1).",
            "The number of finished intervals is the floor of the division (or //).",
            _schedule("round")),
    Mistake("no_floor", "there is no floor: the rate decays every epoch",
            "epoch_num / time_interval is a fraction, so the rate shrinks smoothly instead of in "
            "steps.", "Count only finished intervals: floor the division (or use //).",
            _schedule("no_floor")),
    Mistake("ceil", "you use ceil instead of floor",
            "The first decay already happens at epoch 1.",
            "Count finished intervals: floor, not ceil.", _schedule("ceil")),
    Mistake("exact_multiples", "the rate decays only on exact multiples of time_interval",
            "Between multiples you return learning_rate0, so the decay is undone right after "
            "each step (e.g. epoch 1500 gets learning_rate0 back).",
            "The schedule holds the decayed value for the whole interval: compute it from "
            "floor(epoch_num / time_interval) at every epoch.", _schedule("exact_multiples")),
    Mistake("fixed_interval", "time_interval is ignored (1000 is hard-coded)",
            "Your results are right for an interval of 1000 only.",
            "Use the time_interval argument.", _schedule("fixed_interval")),
    Mistake("every_epoch", "this is update_lr: time_interval is not used",
            "The rate decays at every epoch rather than once per interval.",
            "Divide epoch_num by time_interval and floor it.", _schedule("every_epoch")),
    Mistake("compounding", "the decay compounds ((1 + decay_rate) ** steps)",
            "Each interval divides the rate again by 1 + decay_rate, so it falls geometrically; "
            "this schedule divides once by 1 + decay_rate * steps.",
            "The number of finished intervals multiplies decay_rate; it is not an exponent.",
            _schedule("compounding")),
    Mistake("precedence", "the parentheses are misplaced",
            "Python computed learning_rate0 / (1 + decay_rate) and then multiplied.",
            "The whole 1 + decay_rate * floor(...) is the denominator.", _schedule("precedence")),
]


# ----------------------------------------------------------------------------- ignored arguments
def _ignoring(name, argument, value):
    """The master's own function, but with ``argument`` forced to ``value``: what a learner's
    code does when it writes a number (often the default) where the argument belongs."""
    def wrong(*args, **kwargs):
        from autograder.publish.masters import reference_function
        kwargs = dict(kwargs)
        kwargs[argument] = value
        return reference_function(name)(*args, **kwargs)
    return wrong


def _ignored(name, argument, value):
    return Mistake(f"ignores_{argument}", f"your function ignores the {argument} argument",
                   f"It behaves as if {argument} were always {value}: a number is written in "
                   "the code where the argument should be used (the checks pass other values).",
                   f"Use the parameter {argument} wherever your code has {value}.",
                   _ignoring(name, argument, value))


MOMENTUM += [_ignored("update_parameters_with_momentum", "beta", 0.9)]
RMSPROP += [_ignored("update_parameters_with_rmsprop", a, v)
            for a, v in (("beta2", 0.999), ("epsilon", 1e-8), ("learning_rate", 0.01))]
ADAM += [_ignored("update_parameters_with_adam", a, v)
         for a, v in (("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8),
                      ("learning_rate", 0.01))]


CATALOGUE = {
    "update_parameters_with_gd": GD,
    "random_mini_batches": [],
    "initialize_velocity": INIT_VELOCITY,
    "update_parameters_with_momentum": MOMENTUM,
    "initialize_rmsprop": INIT_RMSPROP,
    "update_parameters_with_rmsprop": RMSPROP,
    "initialize_adam": INIT_ADAM,
    "update_parameters_with_adam": ADAM,
    "update_lr": UPDATE_LR,
    "schedule_lr_decay": SCHEDULE_LR_DECAY,
}
