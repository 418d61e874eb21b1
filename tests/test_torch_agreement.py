"""The masters' update rules agree with torch.optim in float64 (COURSE_SPEC: graded functions).

``tests/fixtures/torch_reference.npz`` holds what PyTorch's SGD, SGD with momentum, RMSprop,
Adam, AdamW (weight_decay 0.1) and SGD with ``nesterov=True`` (through the bridge
``lr * (1 - beta)``, buffer ``v / (1 - beta)``) did to a small 2-layer parameter dict over several
steps with fixed gradients and unusual hyperparameters, and the learning rates of ``LambdaLR``
and ``CosineAnnealingLR`` for the warm-up cosine schedule (see ``tests/fixtures/make_torch_reference.py``, which wrote it and
explains how each course rule maps onto torch.optim). This test does not need torch: it runs
the instructor masters' solution cells on the same gradients and compares every step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autograder.publish.masters import load_functions

REFERENCE = Path(__file__).parent / "fixtures" / "torch_reference.npz"
RTOL = 1e-12
KEYS = ("W1", "b1", "W2", "b2")


def master_function(name: str):
    """The master's own solution of the graded function ``name`` (autograder.publish.masters)."""
    return load_functions(name)[name]


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE) as data:
        arrays = {name: data[name] for name in data.files}
    lr, beta, beta2, eps, num_steps = arrays["hyperparameters"]
    arrays["settings"] = dict(lr=float(lr), beta=float(beta), beta2=float(beta2),
                              eps=float(eps), num_steps=int(num_steps))
    return arrays


def initial_parameters(reference):
    return {key: reference[f"initial/{key}"].copy() for key in KEYS}


def gradients(reference, step):
    return {f"d{key}": reference[f"gradients/d{key}/{step}"].copy() for key in KEYS}


def zeros_like_state(reference):
    return {f"d{key}": np.zeros_like(reference[f"initial/{key}"]) for key in KEYS}


def assert_agrees(actual, expected, what):
    """Element by element, relative error at most RTOL (float64 rounding is about 1e-16)."""
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=RTOL,
                               atol=0, err_msg=what)


def test_fixture_is_demanding(reference):
    """The recorded run would expose a wrong rule: several steps, unusual settings."""
    settings = reference["settings"]
    assert settings["num_steps"] >= 5
    assert settings["eps"] >= 1e-3 and settings["beta"] != 0.9 and settings["beta2"] != 0.999
    # epsilon's placement must matter on at least one tensor (a tiny gradient, eps 1e-2)
    s = reference["rmsprop/square_avg/db2"][0]
    assert np.max(np.abs(np.sqrt(s + settings["eps"]) - (np.sqrt(s) + settings["eps"]))) > 1e-3


def test_gd_agrees_with_torch_sgd(reference):
    update = master_function("update_parameters_with_gd")
    settings = reference["settings"]
    parameters = initial_parameters(reference)
    for step in range(settings["num_steps"]):
        parameters = update(parameters, gradients(reference, step), settings["lr"])
        for key in KEYS:
            assert_agrees(parameters[key], reference[f"gd/parameters/{key}"][step],
                          f"gd step {step + 1}, {key}")


def test_momentum_agrees_with_torch_sgd_dampened_zero_buffer(reference):
    update = master_function("update_parameters_with_momentum")
    settings = reference["settings"]
    parameters, v = initial_parameters(reference), zeros_like_state(reference)
    for step in range(settings["num_steps"]):
        parameters, v = update(parameters, gradients(reference, step), v, settings["beta"],
                               settings["lr"])
        for key in KEYS:
            where = f"momentum step {step + 1}, {key}"
            assert_agrees(parameters[key], reference[f"momentum/parameters/{key}"][step], where)
            assert_agrees(v[f"d{key}"], reference[f"momentum/momentum_buffer/d{key}"][step],
                          where + " (velocity vs torch's momentum_buffer)")


def test_torch_default_momentum_buffer_is_not_the_course_rule(reference):
    """Documents the finding: torch starts the buffer at g, so its first step is 1/(1-beta)
    times ours unless the buffer is set to zeros first."""
    settings = reference["settings"]
    initial = reference["initial/W1"]
    ours = reference["momentum/parameters/W1"][0] - initial
    torch_default = reference["momentum_torch_default_buffer/parameters/W1"][0] - initial
    np.testing.assert_allclose(torch_default, ours / (1 - settings["beta"]), rtol=1e-12)


def test_momentum_equals_undamped_torch_with_scaled_learning_rate(reference):
    """The bridge to PyTorch's default momentum: SGD(lr * (1 - beta), momentum=beta)."""
    for key in KEYS:
        assert_agrees(reference[f"momentum_undamped_bridge/parameters/{key}"],
                      reference[f"momentum/parameters/{key}"], f"bridge {key}")


def test_rmsprop_agrees_with_torch_rmsprop(reference):
    update = master_function("update_parameters_with_rmsprop")
    settings = reference["settings"]
    parameters, s = initial_parameters(reference), zeros_like_state(reference)
    for step in range(settings["num_steps"]):
        parameters, s = update(parameters, gradients(reference, step), s, settings["beta2"],
                               settings["lr"], settings["eps"])
        for key in KEYS:
            where = f"rmsprop step {step + 1}, {key}"
            assert_agrees(parameters[key], reference[f"rmsprop/parameters/{key}"][step], where)
            assert_agrees(s[f"d{key}"], reference[f"rmsprop/square_avg/d{key}"][step],
                          where + " (s vs torch's square_avg)")


def test_adam_agrees_with_torch_adam(reference):
    update = master_function("update_parameters_with_adam")
    settings = reference["settings"]
    parameters = initial_parameters(reference)
    v, s = zeros_like_state(reference), zeros_like_state(reference)
    for step in range(settings["num_steps"]):
        t = step + 1  # the course's t, like torch's state["step"], is 1 at the first update
        parameters, v, s, v_corrected, s_corrected = update(
            parameters, gradients(reference, step), v, s, t, settings["lr"], settings["beta"],
            settings["beta2"], settings["eps"])
        for key in KEYS:
            where = f"adam step {t}, {key}"
            assert_agrees(parameters[key], reference[f"adam/parameters/{key}"][step], where)
            for ours, theirs in ((v, "exp_avg"), (s, "exp_avg_sq"),
                                 (v_corrected, "v_corrected"), (s_corrected, "s_corrected")):
                assert_agrees(ours[f"d{key}"], reference[f"adam/{theirs}/d{key}"][step],
                              f"{where} ({theirs})")


def test_nesterov_agrees_with_torch_sgd_nesterov_through_the_bridge(reference):
    """SGD(lr * (1 - beta), momentum=beta, nesterov=True): torch's buffer is v / (1 - beta)."""
    update = master_function("update_parameters_with_nesterov")
    settings = reference["settings"]
    parameters, v = initial_parameters(reference), zeros_like_state(reference)
    for step in range(settings["num_steps"]):
        parameters, v = update(parameters, gradients(reference, step), v, settings["beta"],
                               settings["lr"])
        for key in KEYS:
            where = f"nesterov step {step + 1}, {key}"
            assert_agrees(parameters[key], reference[f"nesterov/parameters/{key}"][step], where)
            assert_agrees(v[f"d{key}"] / (1 - settings["beta"]),
                          reference[f"nesterov/momentum_buffer/d{key}"][step],
                          where + " (v / (1 - beta) vs torch's momentum_buffer)")


def test_nesterov_differs_from_momentum(reference):
    """The recorded look-ahead is not plain momentum (a no-look-ahead rule would fail above)."""
    for key in KEYS:
        assert not np.allclose(reference[f"nesterov/parameters/{key}"],
                               reference[f"momentum/parameters/{key}"], rtol=1e-6, atol=0)


def test_adamw_agrees_with_torch_adamw(reference):
    update = master_function("update_parameters_with_adamw")
    settings = reference["settings"]
    weight_decay = float(reference["weight_decay"])
    parameters = initial_parameters(reference)
    v, s = zeros_like_state(reference), zeros_like_state(reference)
    for step in range(settings["num_steps"]):
        t = step + 1
        parameters, v, s, v_corrected, s_corrected = update(
            parameters, gradients(reference, step), v, s, t, settings["lr"], settings["beta"],
            settings["beta2"], settings["eps"], weight_decay)
        for key in KEYS:
            where = f"adamw step {t}, {key}"
            assert_agrees(parameters[key], reference[f"adamw/parameters/{key}"][step], where)
            for ours, theirs in ((v, "exp_avg"), (s, "exp_avg_sq"),
                                 (v_corrected, "v_corrected"), (s_corrected, "s_corrected")):
                assert_agrees(ours[f"d{key}"], reference[f"adamw/{theirs}/d{key}"][step],
                              f"{where} ({theirs})")


def test_adamw_decay_matters_in_the_fixture(reference):
    """weight_decay 0.1 moves the parameters well beyond rounding: Adam's run differs."""
    worst = max(np.max(np.abs(reference[f"adamw/parameters/{k}"]
                              - reference[f"adam/parameters/{k}"])) for k in KEYS)
    assert worst > 1e-4


def test_warmup_cosine_agrees_with_torch_schedulers(reference):
    schedule = master_function("warmup_cosine_lr")
    lr0, warmup, total, low = (float(x) for x in reference["schedule/settings"])
    warmup, total = int(warmup), int(total)
    lambda_lrs = reference["schedule/lambda_lr"]
    assert len(lambda_lrs) > total + 2   # warm-up, cosine and past total_steps
    ours = np.array([schedule(lr0, step, warmup, total, low) for step in range(len(lambda_lrs))],
                    dtype=np.float64)
    np.testing.assert_allclose(ours, lambda_lrs, rtol=RTOL, atol=1e-15,
                               err_msg="warmup_cosine_lr vs LambdaLR")
    # torch's own cosine (not our formula), from the end of the warm-up to total_steps
    np.testing.assert_allclose(ours[warmup:total + 1], reference["schedule/cosine_annealing_lr"],
                               rtol=RTOL, atol=0, err_msg="warmup_cosine_lr vs CosineAnnealingLR")
