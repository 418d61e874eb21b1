"""helpers.gradcheck: centred differences, and the network's backward pass checked with them."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import data, gradcheck, network


def with_nonzero_biases(parameters, seed=0):
    """Small random biases: with zero biases some ReLU inputs are exactly 0 (a kink)."""
    rng = np.random.default_rng(seed)
    return {key: (0.1 * rng.standard_normal(value.shape) if key.startswith("b") else value)
            for key, value in parameters.items()}


@pytest.fixture(scope="module")
def moons():
    X, Y, _, _ = data.load_moons()
    return X[:, :60], Y[:, :60]


@pytest.fixture(scope="module")
def deep_case():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((3, 25))
    Y = (rng.random((1, 25)) < 0.5).astype(np.int64)
    parameters = with_nonzero_biases(network.initialize_parameters_he((3, 4, 4, 3, 1), seed=5))
    return parameters, X, Y


# --------------------------------------------------------------------------- numerical_gradient
def test_numerical_gradient_of_a_quadratic_form():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3, 3))
    x = rng.standard_normal((3, 1))
    before = x.copy()
    g = gradcheck.numerical_gradient(lambda v: v.T @ A @ v, x)  # a (1, 1) array is fine
    assert g.shape == x.shape
    np.testing.assert_allclose(g, (A + A.T) @ x, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(x, before)  # the point is not modified


def test_numerical_gradient_of_a_cubic_has_error_of_order_h_squared():
    x = np.array([2.0])
    g = gradcheck.numerical_gradient(lambda v: float(v[0] ** 3), x, h=1e-3)
    # centred difference of x^3: 3 x^2 + h^2 exactly
    assert g[0] == pytest.approx(12.0 + 1e-6, rel=1e-10)


def test_numerical_gradient_rejects_a_bad_step_or_a_non_scalar_function():
    with pytest.raises(ValueError, match="positive"):
        gradcheck.numerical_gradient(lambda v: 0.0, np.zeros(2), h=0.0)
    with pytest.raises(ValueError, match=r"scalar.*\(2,\)"):
        gradcheck.numerical_gradient(lambda v: v * 2, np.zeros(2))


def test_relative_error():
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.relative_error(np.ones(2), np.ones(2)) == 0.0
    assert gradcheck.relative_error(np.array([1.0]), np.array([-1.0])) == 1.0
    assert gradcheck.relative_error({"a": np.ones(2)}, {"a": np.ones(2) * 3}) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        gradcheck.relative_error(np.ones(2), np.ones(3))


# --------------------------------------------------------------------------- the network
def test_backward_propagation_passes_on_the_course_network(moons):
    X, Y = moons
    parameters = with_nonzero_biases(network.initialize_parameters_he((2, 5, 2, 1), seed=3))
    assert gradcheck.count_kinks(parameters, X) == 0
    before = {key: value.copy() for key, value in parameters.items()}
    error = gradcheck.gradient_check(parameters, X, Y)
    assert error < 1e-7
    for key, value in before.items():
        np.testing.assert_array_equal(parameters[key], value)


def test_backward_propagation_passes_on_a_deeper_network(deep_case):
    parameters, X, Y = deep_case
    assert gradcheck.gradient_check(parameters, X, Y) < 1e-7
    assert gradcheck.gradient_check(parameters, X, Y, h=1e-7) < 1e-7


def test_numerical_gradients_have_the_keys_and_shapes_of_the_parameters(deep_case):
    parameters, X, Y = deep_case
    numeric = gradcheck.numerical_gradients(parameters, X, Y)
    network.check_grads_match(parameters, numeric)
    analytic = gradcheck.analytic_gradients(parameters, X, Y)
    for key in numeric:
        assert gradcheck.relative_error(analytic[key], numeric[key]) < 1e-6, key


@pytest.mark.parametrize("wrong_key", ["dW2", "db1", "dW4"])
def test_a_wrong_gradient_is_detected(deep_case, wrong_key, capsys):
    parameters, X, Y = deep_case
    grads = gradcheck.analytic_gradients(parameters, X, Y)
    rng = np.random.default_rng(3)
    grads[wrong_key] = grads[wrong_key] + 0.05 * rng.standard_normal(grads[wrong_key].shape)
    error = gradcheck.gradient_check(parameters, X, Y, grads=grads, report=True)
    assert error > 1e-3
    assert "FAILED" in capsys.readouterr().out


def test_a_wrong_dw2_is_detected_on_the_course_network(moons, capsys):
    X, Y = moons
    parameters = with_nonzero_biases(network.initialize_parameters_he(seed=3))
    grads = gradcheck.analytic_gradients(parameters, X, Y)
    grads["dW2"] = grads["dW2"] * 1.1  # a typical slip: a wrong scale factor
    assert gradcheck.gradient_check(parameters, X, Y, grads=grads) > 1e-3
    assert capsys.readouterr().out == ""  # silent without report=True


def test_check_gradients_prints_a_table_and_points_at_the_wrong_key(deep_case, capsys):
    parameters, X, Y = deep_case
    assert gradcheck.check_gradients(parameters, X, Y) is True
    out = capsys.readouterr().out
    assert "passed" in out
    for key in ("dW1", "db1", "dW4", "db4"):
        assert key in out
    grads = gradcheck.analytic_gradients(parameters, X, Y)
    grads["dW2"] = 2 * grads["dW2"]
    assert gradcheck.check_gradients(parameters, X, Y, grads=grads) is False
    out = capsys.readouterr().out
    assert "FAILED" in out and "Look first at dW2" in out
    assert "dW2    (4, 4)" in out and "<-- largest" in out


def test_kinks_make_the_check_inconclusive_rather_than_failed(capsys):
    # Zero biases and a layer-1 that is entirely inactive for some examples put layer-2
    # pre-activations exactly at 0, where ReLU has no derivative.
    X, Y, _, _ = data.load_moons()
    parameters = network.initialize_parameters_he(seed=1)
    assert gradcheck.count_kinks(parameters, X) > 0
    error = gradcheck.gradient_check(parameters, X, Y, report=True)
    assert error > 1e-7
    assert "INCONCLUSIVE" in capsys.readouterr().out


def test_verdicts():
    assert gradcheck.verdict(1e-9).startswith("Gradient check passed")
    assert "a little high" in gradcheck.verdict(1e-6)
    assert "FAILED" in gradcheck.verdict(0.2)
    assert "FAILED" in gradcheck.verdict(float("nan"))
    assert "INCONCLUSIVE" in gradcheck.verdict(0.2, kinks=3)


def test_bad_input_names_shapes_and_keys(moons):
    X, Y = moons
    parameters = network.initialize_parameters_he()
    with pytest.raises(ValueError, match=r"X\.T"):
        gradcheck.gradient_check(parameters, X.T, Y)
    with pytest.raises(ValueError, match=r"\(1, 60\)"):
        gradcheck.gradient_check(parameters, X, Y.T)
    grads = gradcheck.analytic_gradients(parameters, X, Y)
    del grads["db3"]
    with pytest.raises(ValueError, match=r"missing \['db3'\]"):
        gradcheck.gradient_check(parameters, X, Y, grads=grads)
    grads = gradcheck.analytic_gradients(parameters, X, Y)
    grads["dW1"] = grads["dW1"].T
    with pytest.raises(ValueError, match=r"dW1 has shape \(2, 5\)"):
        gradcheck.gradient_check(parameters, X, Y, grads=grads)
    with pytest.raises(ValueError, match="W1, b1"):
        gradcheck.gradient_check({"W1": parameters["W1"]}, X, Y)
