"""The training loop: the classic results, reproducibility, schedules, and clear failures."""

import numpy as np
import pytest

from autograder.publish.masters import load_functions
from helpers import network, training
from helpers.data import load_moons

SOLUTIONS = load_functions(
    "update_parameters_with_gd", "random_mini_batches", "initialize_velocity",
    "update_parameters_with_momentum", "initialize_adam", "update_parameters_with_adam",
    "update_lr", "schedule_lr_decay")


def optimizer(name):
    s = SOLUTIONS
    return {
        "gd": lambda: training.gd(s["update_parameters_with_gd"]),
        "momentum": lambda: training.momentum(s["initialize_velocity"],
                                              s["update_parameters_with_momentum"], beta=0.9),
        "adam": lambda: training.adam(s["initialize_adam"], s["update_parameters_with_adam"]),
    }[name]()


# (optimizer, learning rate, schedule, classic training accuracy in %)
CLASSIC = [
    ("gd", 0.0007, None, 71.67),
    ("momentum", 0.0007, None, 71.67),
    ("adam", 0.0007, None, 94.33),
    ("gd", 0.1, "update_lr", 65.33),
    ("gd", 0.1, "schedule_lr_decay", 94.33),
    ("momentum", 0.1, "schedule_lr_decay", 95.33),
    ("adam", 0.01, "schedule_lr_decay", 94.00),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, lr, schedule, expected", CLASSIC)
def test_classic_results_come_out_exactly(name, lr, schedule, expected):
    X, Y, _, _ = load_moons()
    parameters, history = training.train(
        X, Y, optimizer(name), mini_batches=SOLUTIONS["random_mini_batches"], learning_rate=lr,
        schedule=SOLUTIONS[schedule] if schedule else None)
    assert round(100 * network.accuracy(X, Y, parameters), 2) == expected
    assert history.costs.shape == (5000,) and history.steps == 5000 * 5
    assert np.all(np.diff(history.elapsed) >= 0)


def test_runs_are_reproducible_and_the_learner_functions_are_what_trains():
    X, Y, _, _ = load_moons()
    calls = []

    def spy_gd(parameters, grads, learning_rate):
        calls.append(learning_rate)
        return SOLUTIONS["update_parameters_with_gd"](parameters, grads, learning_rate)

    run = dict(mini_batches=SOLUTIONS["random_mini_batches"], num_epochs=20, learning_rate=0.05)
    p1, h1 = training.train(X, Y, training.gd(spy_gd), **run)
    p2, h2 = training.train(X, Y, training.gd(SOLUTIONS["update_parameters_with_gd"]), **run)
    assert len(calls) == 20 * 5 and set(calls) == {0.05}
    assert all(np.array_equal(p1[k], p2[k]) for k in p1)
    np.testing.assert_array_equal(h1.costs, h2.costs)
    assert h1.costs[-1] < h1.costs[0]


def test_adam_sees_t_from_one_once_per_mini_batch():
    X, Y, _, _ = load_moons()
    seen = []

    def spy_adam(parameters, grads, v, s, t, *args):
        seen.append(t)
        return SOLUTIONS["update_parameters_with_adam"](parameters, grads, v, s, t, *args)

    training.train(X, Y, training.adam(SOLUTIONS["initialize_adam"], spy_adam),
                   mini_batches=SOLUTIONS["random_mini_batches"], num_epochs=2)
    assert seen == list(range(1, 11))


def test_schedule_is_applied_after_each_epoch_so_the_first_two_run_at_lr0():
    X, Y, _, _ = load_moons()
    _, history = training.train(X, Y, optimizer("gd"), num_epochs=4, learning_rate=0.1,
                                schedule=SOLUTIONS["update_lr"], decay_rate=1.0)
    np.testing.assert_allclose(history.learning_rates, [0.1, 0.1, 0.05, 0.1 / 3])


def test_full_batch_is_the_default():
    X, Y, _, _ = load_moons()
    _, history = training.train(X, Y, optimizer("gd"), num_epochs=3)
    assert history.steps == 3


def test_divergence_stops_with_a_clear_message(recwarn):
    X, Y, _, _ = load_moons()

    def exploding_update(parameters, grads, learning_rate):  # each step multiplies by 1e60
        return {k: v * 1e60 - learning_rate * grads[f"d{k}"] for k, v in parameters.items()}

    with pytest.raises(training.TrainingDiverged, match=r"epoch \d+.*learning rate 0.5") as info:
        training.train(X, Y, training.gd(exploding_update), num_epochs=50, learning_rate=0.5)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    message = str(info.value)
    # the learner's function is the first suspect; only then the learning rate (0.5 is large)
    assert "First suspect: your own functions" in message
    assert "This run used exploding_update." in message
    assert message.index("has not passed its check") < message.index("3 to 10 times smaller")


ADAM_T_MINUS_ONE = """
def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    v_corrected, s_corrected = {}, {}
    for key in grads:
        v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
        s[key] = beta2 * s[key] + (1 - beta2) * grads[key] ** 2
        v_corrected[key] = v[key] / (1 - beta1 ** (t - 1))
        s_corrected[key] = s[key] / (1 - beta2 ** (t - 1))
        step = v_corrected[key] / (np.sqrt(s_corrected[key]) + epsilon)
        parameters[key[1:]] -= learning_rate * step
    return parameters, v, s, v_corrected, s_corrected
"""

RMSPROP_NOT_SQUARED = """
def update_parameters_with_rmsprop(parameters, grads, s, beta2=0.999, learning_rate=0.01,
                                   epsilon=1e-8):
    for key in grads:
        s[key] = beta2 * s[key] + (1 - beta2) * grads[key]
        parameters[key[1:]] -= learning_rate * grads[key] / (np.sqrt(s[key]) + epsilon)
    return parameters, s
"""


def _learner_function(source, name):
    namespace = {"np": np}
    exec(source, namespace)  # noqa: S102 - a fixture of this file
    return namespace[name]


@pytest.mark.parametrize("which", ["adam t - 1", "rmsprop not squared", "adam s = v"])
def test_divergence_at_a_small_rate_blames_the_learners_function_first(which):
    """Issue 10 item 6: wrong update rules at lr 0.0007 diverge in epoch 0; the message must
    point at the learner's functions and their checks, not at the (already tiny) rate."""
    X, Y, _, _ = load_moons()
    s = SOLUTIONS
    if which == "adam t - 1":
        opt = training.adam(s["initialize_adam"],
                            _learner_function(ADAM_T_MINUS_ONE, "update_parameters_with_adam"))
        names = ["random_mini_batches", "initialize_adam", "update_parameters_with_adam"]
    elif which == "rmsprop not squared":
        def initialize_rmsprop(parameters):
            return {"d" + k: np.zeros_like(p) for k, p in parameters.items()}
        opt = training.rmsprop(initialize_rmsprop, _learner_function(
            RMSPROP_NOT_SQUARED, "update_parameters_with_rmsprop"))
        names = ["random_mini_batches", "initialize_rmsprop", "update_parameters_with_rmsprop"]
    else:
        def initialize_adam(parameters):   # one dictionary for both moments
            v = {"d" + k: np.zeros_like(p) for k, p in parameters.items()}
            return v, v
        opt = training.adam(initialize_adam, s["update_parameters_with_adam"])
        names = ["random_mini_batches", "initialize_adam", "update_parameters_with_adam"]
    with pytest.raises(training.TrainingDiverged) as info:
        training.train(X, Y, opt, mini_batches=s["random_mini_batches"], num_epochs=20,
                       learning_rate=0.0007)
    message = str(info.value)
    first, *rest = message.splitlines()
    assert "learning rate 0.0007" in first and f"({opt!r})" in first
    assert rest[0].startswith("  First suspect: your own functions. This run used "
                              + ", ".join(names) + ".")
    assert "has not passed its check yet" in rest[0]
    assert "lowering the learning rate will not fix a wrong formula" in message
    assert "3 to 10 times smaller" not in message


def test_training_helpers_know_nothing_of_the_checks():
    import ast
    from pathlib import Path
    tree = ast.parse(Path(training.__file__).read_text(encoding="utf-8"))
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m.startswith("autograder") for m in imported), imported


def test_bad_data_is_reported_before_training():
    X, Y, _, _ = load_moons()
    with pytest.raises(ValueError, match="did you pass X.T"):
        training.train(X.T, Y, optimizer("gd"), num_epochs=1)
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        training.train(X, Y * 2, optimizer("gd"), num_epochs=1)


def test_start_parameters_are_copied_not_mutated():
    X, Y, _, _ = load_moons()
    start = network.initialize_parameters_he()
    before = {k: v.copy() for k, v in start.items()}
    training.train(X, Y, optimizer("gd"), num_epochs=3, parameters=start, learning_rate=0.1)
    assert all(np.array_equal(start[k], before[k]) for k in start)


def test_no_progress_bar_outside_notebooks(capsys):
    X, Y, _, _ = load_moons()
    training.train(X, Y, optimizer("gd"), num_epochs=3)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("update, error, message", [
    (lambda p, g, lr: None, TypeError, r"returned NoneType.*missing `return parameters`"),
    (lambda p, g, lr: {**p, "dW1": g["dW1"]}, KeyError, r"unexpected \['dW1'\]"),
    (lambda p, g, lr: {**p, "W1": p["W1"].T}, ValueError, r"shape of W1 from \(5, 2\) to \(2, 5\)"),
])
def test_a_broken_update_is_named_after_the_first_step(update, error, message):
    X, Y, _, _ = load_moons()
    with pytest.raises(error, match=message):
        training.train(X, Y, training.gd(update), num_epochs=2)
