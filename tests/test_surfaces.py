"""helpers.surfaces: exact gradients, and trajectories driven by dict-based update rules.

The update functions below are minimal test doubles written for these tests only (plain GD,
damped momentum as the course defines it, undamped heavy-ball momentum, Adam). They exercise
``trajectory`` the way the notebooks do, through ``helpers.training`` builders.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from helpers import surfaces, training
from helpers.gradcheck import numerical_gradient, relative_error


# --------------------------------------------------------------------------- test doubles
def gd_step(parameters, grads, learning_rate):
    return {key: value - learning_rate * grads[f"d{key}"] for key, value in parameters.items()}


def gd_step_in_place(parameters, grads, learning_rate):
    for key in parameters:
        parameters[key] -= learning_rate * grads[f"d{key}"]
    return parameters


def zeros_like_grads(parameters):
    return {f"d{key}": np.zeros_like(value) for key, value in parameters.items()}


def damped_momentum_step(parameters, grads, v, beta, learning_rate):
    v = {key: beta * v[key] + (1 - beta) * grads[key] for key in grads}
    return {k: p - learning_rate * v[f"d{k}"] for k, p in parameters.items()}, v


def heavy_ball_step(parameters, grads, v, beta, learning_rate):
    v = {key: beta * v[key] + grads[key] for key in grads}
    return {k: p - learning_rate * v[f"d{k}"] for k, p in parameters.items()}, v


def adam_init(parameters):
    return zeros_like_grads(parameters), zeros_like_grads(parameters)


def adam_step(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
              epsilon=1e-8):
    v = {k: beta1 * v[k] + (1 - beta1) * g for k, g in grads.items()}
    s = {k: beta2 * s[k] + (1 - beta2) * g**2 for k, g in grads.items()}
    v_hat = {k: value / (1 - beta1**t) for k, value in v.items()}
    s_hat = {k: value / (1 - beta2**t) for k, value in s.items()}
    parameters = {k: p - learning_rate * v_hat[f"d{k}"] / (np.sqrt(s_hat[f"d{k}"]) + epsilon)
                  for k, p in parameters.items()}
    return parameters, v, s, v_hat, s_hat


GD = training.gd(gd_step)
MOMENTUM = training.momentum(zeros_like_grads, damped_momentum_step, beta=0.9)
HEAVY_BALL = training.momentum(zeros_like_grads, heavy_ball_step, beta=0.9)
ADAM = training.adam(adam_init, adam_step)


# --------------------------------------------------------------------------- the surfaces
ALL_SURFACES = [surfaces.bowl(), surfaces.bowl(condition=3.5), surfaces.rosenbrock(),
                surfaces.rosenbrock(a=-0.5, b=7.0), surfaces.saddle()]


@pytest.mark.parametrize("surface", ALL_SURFACES, ids=repr)
def test_gradients_are_exact(surface):
    rng = np.random.default_rng(0)
    for _ in range(20):
        point = np.array([rng.uniform(*surface.xlim), rng.uniform(*surface.ylim)])
        analytic = surface.grad(point)
        assert analytic.shape == (2,)
        numeric = numerical_gradient(surface.f, point, h=1e-5)
        assert relative_error(analytic, numeric) < 1e-7, (point, analytic, numeric)


@pytest.mark.parametrize("surface", ALL_SURFACES, ids=repr)
def test_call_is_f_on_grids_and_f_returns_a_float(surface):
    xs, ys = np.meshgrid(np.linspace(*surface.xlim, 7), np.linspace(*surface.ylim, 5))
    values = surface(xs, ys)
    assert values.shape == (5, 7)
    expected = [[surface.f(np.array([x, y])) for x, y in zip(rx, ry, strict=True)]
                for rx, ry in zip(xs, ys, strict=True)]
    np.testing.assert_allclose(values, expected, rtol=1e-15)
    assert isinstance(surface.f(surface.start), float)
    assert surface.start.shape == (2,)
    assert surface.xlim[0] < surface.start[0] < surface.xlim[1]
    assert surface.ylim[0] < surface.start[1] < surface.ylim[1]


def test_the_registry_holds_the_three_course_surfaces():
    assert list(surfaces.SURFACES) == ["bowl", "rosenbrock", "saddle"]
    for name, surface in surfaces.SURFACES.items():
        assert surface.name == name


def test_rosenbrock_minimum_and_known_values():
    surface = surfaces.rosenbrock()
    np.testing.assert_array_equal(surface.minimum, [1.0, 1.0])
    assert surface.f(surface.minimum) == 0.0
    np.testing.assert_array_equal(surface.grad(surface.minimum), [0.0, 0.0])
    np.testing.assert_array_equal(surface.start, [-1.5, 2.0])
    assert surface.f(np.array([-1.5, 2.0])) == pytest.approx(12.5)  # 2.5^2 + 100 * 0.25^2
    np.testing.assert_allclose(surface.grad(np.array([0.0, 0.0])), [-2.0, 0.0])
    np.testing.assert_allclose(surface.grad(np.array([-1.5, 2.0])), [-155.0, -50.0])
    shifted = surfaces.rosenbrock(a=2.0, b=10.0)
    np.testing.assert_array_equal(shifted.minimum, [2.0, 4.0])
    assert shifted.f(shifted.minimum) == 0.0


def test_bowl_and_saddle_values():
    bowl = surfaces.bowl(condition=20.0)
    assert bowl.f(np.array([2.0, 1.0])) == pytest.approx(0.5 * (4 + 20))
    np.testing.assert_allclose(bowl.grad(np.array([2.0, 1.0])), [2.0, 20.0])
    assert bowl.f(bowl.minimum) == 0.0
    saddle = surfaces.saddle()
    assert saddle.minimum is None
    np.testing.assert_array_equal(saddle.saddle, [0.0, 0.0])
    np.testing.assert_allclose(saddle.grad(np.array([1.0, 2.0])), [1.0, -2.0])
    assert abs(saddle.start[1]) < 0.1  # starts just off the ridge


def test_bad_points_raise_value_errors_naming_the_shape():
    bowl = surfaces.SURFACES["bowl"]
    with pytest.raises(ValueError, match=r"shape \(2,\).*\(3,\)"):
        bowl.f(np.zeros(3))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        bowl.grad([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"same shape.*\(2, 2\).*\(3,\)"):
        bowl(np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="positive"):
        surfaces.bowl(condition=0)


# --------------------------------------------------------------------------- trajectories
def test_trajectory_shape_start_and_plain_gd_steps():
    bowl = surfaces.SURFACES["bowl"]
    path = surfaces.trajectory(bowl, GD, learning_rate=0.05, num_steps=10)
    assert path.shape == (11, 2)
    np.testing.assert_array_equal(path[0], bowl.start)
    # GD on 0.5 (x^2 + c y^2): x <- (1 - lr) x and y <- (1 - lr c) y, exactly
    np.testing.assert_allclose(path[:, 0], -4.0 * 0.95 ** np.arange(11))
    np.testing.assert_allclose(path[1:, 1], 0.0, atol=1e-15)  # lr c = 1: y jumps to 0
    other = surfaces.trajectory(bowl, GD, learning_rate=0.05, num_steps=3, start=[1.0, 1.0])
    np.testing.assert_array_equal(other[0], [1.0, 1.0])


def test_in_place_updates_do_not_alias_the_rows():
    bowl = surfaces.SURFACES["bowl"]
    path = surfaces.trajectory(bowl, training.gd(gd_step_in_place), learning_rate=0.01,
                               num_steps=5)
    expected = surfaces.trajectory(bowl, GD, learning_rate=0.01, num_steps=5)
    np.testing.assert_array_equal(path, expected)
    assert len({tuple(row) for row in path}) == 6


def test_momentum_reaches_the_minimum_of_the_bowl_faster_than_gd_at_the_same_rate():
    bowl = surfaces.SURFACES["bowl"]
    steps = {}
    for name, optimizer in (("gd", GD), ("momentum", MOMENTUM), ("heavy ball", HEAVY_BALL)):
        path = surfaces.trajectory(bowl, optimizer, learning_rate=0.02, num_steps=2000)
        steps[name] = surfaces.steps_to_reach(path, bowl.minimum, tolerance=1e-3)
    assert None not in steps.values(), steps
    # The course's damped momentum (v = beta v + (1 - beta) g) is faster but not by much at
    # the same rate; undamped heavy ball (v = beta v + g, steps 1/(1-beta) larger) by far.
    assert steps["momentum"] < 0.9 * steps["gd"], steps
    assert steps["heavy ball"] < 0.3 * steps["gd"], steps


def test_damped_momentum_stays_stable_far_beyond_gds_limit():
    bowl = surfaces.SURFACES["bowl"]  # GD needs lr < 2 / 20 = 0.1
    path, status = surfaces.trajectory(bowl, MOMENTUM, learning_rate=1.0, num_steps=500,
                                       return_status=True)
    assert status == "completed"
    assert np.linalg.norm(path[-1]) < 1e-6


@pytest.mark.parametrize("condition", [20.0, 5.0])
def test_gd_diverges_above_two_over_condition_and_the_path_is_cut_cleanly(condition):
    bowl = surfaces.bowl(condition)
    limit = 2.0 / condition
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not a single RuntimeWarning (overflow, invalid)
        stable = surfaces.trajectory(bowl, GD, learning_rate=0.95 * limit, num_steps=400)
        path, status = surfaces.trajectory(bowl, GD, learning_rate=1.05 * limit,
                                           num_steps=100_000, return_status=True)
    assert stable.shape == (401, 2)
    assert np.linalg.norm(stable[-1]) < 1e-3
    assert status == "escaped"
    assert 2 < path.shape[0] < 1000
    assert np.all(np.isfinite(path))
    assert not bowl.inside_escape_box(path[-1])
    assert all(bowl.inside_escape_box(row) for row in path[:-1])
    # it diverges by zig-zagging in y with a growing amplitude
    assert np.all(np.diff(np.sign(path[:, 1])) != 0)


def test_a_non_finite_update_ends_the_path_without_nan_rows():
    def poisoned(parameters, grads, learning_rate):
        new = gd_step(parameters, grads, learning_rate)
        if parameters["W1"][0, 0] > -3.5:
            new["b1"] = np.array([[np.nan]])
        return new

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path, status = surfaces.trajectory(surfaces.SURFACES["bowl"], training.gd(poisoned),
                                           learning_rate=0.05, num_steps=50, return_status=True)
    assert status == "non-finite"
    assert np.all(np.isfinite(path))
    assert 1 < len(path) < 51


def test_adam_and_gd_on_rosenbrock_head_for_the_minimum():
    surface = surfaces.SURFACES["rosenbrock"]
    start_distance = np.linalg.norm(surface.start - surface.minimum)
    adam_path = surfaces.trajectory(surface, ADAM, learning_rate=0.05, num_steps=3000)
    assert adam_path.shape == (3001, 2)
    assert np.linalg.norm(adam_path[-1] - surface.minimum) < 0.05 * start_distance
    gd_path = surfaces.trajectory(surface, GD, learning_rate=1e-3, num_steps=5000)
    assert surface.f(gd_path[-1]) < 0.05 * surface.f(surface.start)


def test_gd_leaves_the_saddle_slowly():
    saddle = surfaces.SURFACES["saddle"]
    path = surfaces.trajectory(saddle, GD, learning_rate=0.1, num_steps=60)
    near = np.linalg.norm(path, axis=1)
    assert near.min() < 0.3  # crawls close to the saddle point first
    assert abs(path[-1, 1]) > 1.0  # then escapes along y
    np.testing.assert_allclose(path[:, 1], 0.01 * 1.1 ** np.arange(61))


def test_schedule_is_applied_after_each_step_like_train():
    seen = []

    def schedule(lr0, step, decay_rate):
        seen.append((lr0, step, decay_rate))
        return lr0 / (1 + decay_rate * step)

    bowl = surfaces.SURFACES["bowl"]
    path = surfaces.trajectory(bowl, GD, learning_rate=0.05, num_steps=4, schedule=schedule,
                               decay_rate=2.0)
    assert seen == [(0.05, step, 2.0) for step in range(4)]
    rates = [0.05, 0.05, 0.05 / 3, 0.05 / 5]  # after step i the rate is lr0 / (1 + 2 i)
    x = -4.0
    for step, rate in enumerate(rates, start=1):
        x *= 1 - rate
        assert path[step, 0] == pytest.approx(x)


def test_trajectory_names_bad_input():
    bowl = surfaces.SURFACES["bowl"]
    with pytest.raises(ValueError, match="Optimizer"):
        surfaces.trajectory(bowl, gd_step, learning_rate=0.1)
    with pytest.raises(ValueError, match=r"start.*\(2,\).*\(3,\)"):
        surfaces.trajectory(bowl, GD, learning_rate=0.1, start=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="num_steps"):
        surfaces.trajectory(bowl, GD, learning_rate=0.1, num_steps=-1)
    bad = training.Optimizer("bad", lambda p: None, lambda p, g, s, lr: p)
    with pytest.raises(ValueError, match=r"\(parameters, state\)"):
        surfaces.trajectory(bowl, bad, learning_rate=0.1)
    renamed = training.gd(lambda p, g, lr: {"W": p["W1"], "b": p["b1"]})
    with pytest.raises(ValueError, match="'W1' and 'b1'.*'W'"):
        surfaces.trajectory(bowl, renamed, learning_rate=0.1)


def test_steps_to_reach():
    path = np.array([[3.0, 0.0], [1.0, 0.0], [0.0005, 0.0], [0.0, 0.0]])
    assert surfaces.steps_to_reach(path, [0.0, 0.0], tolerance=1e-3) == 2
    assert surfaces.steps_to_reach(path, [5.0, 5.0]) is None
    with pytest.raises(ValueError, match=r"\(k, 2\)"):
        surfaces.steps_to_reach(np.zeros(3), [0.0, 0.0])
