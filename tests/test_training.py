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

    with pytest.raises(training.TrainingDiverged, match=r"epoch \d+.*learning rate 0.5"):
        training.train(X, Y, training.gd(exploding_update), num_epochs=50, learning_rate=0.5)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


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
