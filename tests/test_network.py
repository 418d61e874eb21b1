"""The course network: shapes, initialisation, a stable cost, and exact gradients."""

import numpy as np
import pytest

from helpers import network


def relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


def flat(parameters, keys):
    return np.concatenate([parameters[k].ravel() for k in keys])


@pytest.mark.parametrize("layers", [(2, 5, 2, 1), (3, 4, 4, 3, 1), (2, 1)])
def test_backward_matches_a_numerical_gradient(layers):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(layers[0], 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)
    parameters = network.initialize_parameters_he(layers, seed=1)
    for key in parameters:  # nonzero biases exercise every gradient
        parameters[key] = parameters[key] + 0.1 * rng.normal(size=parameters[key].shape)
    AL, cache = network.forward_propagation(X, parameters)
    grads = network.backward_propagation(X, Y, AL, cache, parameters)
    assert set(grads) == {f"d{k}" for k in parameters}

    def cost(params):
        AL, cache = network.forward_propagation(X, params)
        return network.compute_cost(AL, Y, cache)

    h = 1e-6
    for key, value in parameters.items():
        numerical = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in parameters.items()}
            minus = {k: v.copy() for k, v in parameters.items()}
            plus[key][index] += h
            minus[key][index] -= h
            numerical[index] = (cost(plus) - cost(minus)) / (2 * h)
        assert grads[f"d{key}"].shape == value.shape
        assert relative_error(grads[f"d{key}"], numerical) < 1e-7, key


def test_he_initialisation_is_reproducible_and_scaled():
    a = network.initialize_parameters_he((2, 5, 2, 1), seed=3)
    b = network.initialize_parameters_he((2, 5, 2, 1), seed=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert [a[f"W{l}"].shape for l in (1, 2, 3)] == [(5, 2), (2, 5), (1, 2)]
    assert all(not a[f"b{l}"].any() and a[f"b{l}"].shape == (a[f"W{l}"].shape[0], 1)
               for l in (1, 2, 3))
    np.random.seed(3)
    np.testing.assert_array_equal(a["W1"], np.random.randn(5, 2) * np.sqrt(2 / 2))
    big = network.initialize_parameters_he((400, 300), seed=0)
    assert abs(big["W1"].std() - np.sqrt(2 / 400)) < 0.002
    c = network.initialize_parameters_he((2, 5, 2, 1), seed=4)
    assert not np.array_equal(a["W1"], c["W1"])


def test_cost_is_finite_for_saturated_outputs():
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])
    parameters = {"W1": np.array([[1000.0]]), "b1": np.zeros((1, 1))}
    X = np.array([[-1.0, 1.0, 1.0, -1.0]])  # confidently wrong on two, right on two
    AL, cache = network.forward_propagation(X, parameters)
    exact = network.compute_cost(AL, Y, cache)
    clipped = network.compute_cost(AL, Y)
    assert np.isfinite(exact) and np.isfinite(clipped)
    assert exact == pytest.approx(2000.0 / 4)  # two wrong examples cost their logit, 1000 each
    assert clipped > 15
    assert network.compute_cost(AL, Y, cache, reduction="sum") == pytest.approx(2000.0)


def test_cost_matches_the_textbook_formula():
    AL = np.array([[0.2, 0.9, 0.6]])
    Y = np.array([[0, 1, 1]])
    expected = -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    assert network.compute_cost(AL, Y) == pytest.approx(expected, rel=1e-12)


def test_predict_and_accuracy():
    parameters = {"W1": np.array([[1.0, 0.0]]), "b1": np.zeros((1, 1))}
    X = np.array([[-2.0, 3.0, 1.0], [0.0, 0.0, 5.0]])
    np.testing.assert_array_equal(network.predict(X, parameters), [[0, 1, 1]])
    assert network.accuracy(X, np.array([[0, 1, 0]]), parameters) == pytest.approx(2 / 3)


def test_bad_input_names_the_shapes_and_keys():
    parameters = network.initialize_parameters_he()
    with pytest.raises(ValueError, match=r"did you pass X\.T"):
        network.predict(np.zeros((300, 2)), parameters)
    with pytest.raises(ValueError, match=r"\(1, 3\)"):
        network.accuracy(np.zeros((2, 3)), np.zeros((3, 1)), parameters)
    with pytest.raises(ValueError, match=r"labels must be 0 or 1.*2"):
        network.accuracy(np.zeros((2, 3)), np.array([[0, 1, 2]]), parameters)
    with pytest.raises(ValueError, match=r"W1, b1"):
        network.number_of_layers({"W1": 1, "b2": 2})
    grads = {"dW1": np.zeros((5, 2)), "db1": np.zeros((5, 1))}
    with pytest.raises(ValueError, match=r"missing \['dW2'"):
        network.check_grads_match(parameters, grads)
    with pytest.raises(ValueError, match=r"layers_dims"):
        network.initialize_parameters_he([2])
