"""Numerical gradient checking: do the analytic gradients match centred differences?

For a scalar function ``J`` and a small step ``h``, each partial derivative is estimated as::

    dJ/dtheta_i  ~  (J(theta + h e_i) - J(theta - h e_i)) / (2 h)

whose error shrinks like ``h**2`` (until rounding, about ``1e-16 / h``, takes over). The
analytic gradient ``g`` and the estimate ``g_num`` are compared with the relative error::

    ||g - g_num|| / (||g|| + ||g_num||)

Rules of thumb for float64: below ``1e-7`` the gradients agree; between ``1e-7`` and ``1e-5``
look closer (a ReLU kink crossed by the step can do this); above ``1e-3`` there is a mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from helpers import network

#: Relative errors below this count as "the gradients agree".
PASS_THRESHOLD = 1e-7
#: Relative errors above this mean a mistake almost surely; between the two: look closer.
FAIL_THRESHOLD = 1e-5


def numerical_gradient(f: Callable[[np.ndarray], float], x, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of a scalar function of an array.

    Parameters
    ----------
    f : ``f(x) -> float``, a scalar function of an ndarray shaped like ``x`` (an array holding
        one number is accepted too)
    x : ndarray of any shape (float), the point; it is perturbed one entry at a time and
        restored, so ``f`` must not keep a reference to it
    h : float, the step (in the units of ``x``)

    Returns
    -------
    ndarray of the shape of ``x``: ``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` for each entry i.
    """
    if not h > 0:
        raise ValueError(f"h must be a positive step; got {h}")
    x = np.array(x, dtype=float)  # a private float copy
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + h
        f_plus = _scalar(f(x))
        flat[i] = original - h
        f_minus = _scalar(f(x))
        flat[i] = original
        out[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def _scalar(value) -> float:
    array = np.asarray(value, dtype=float)
    if array.size != 1:
        raise ValueError(f"f must return a scalar (the cost); it returned shape {array.shape}")
    return float(array.reshape(()))


def relative_error(a, b) -> float:
    """``||a - b|| / (||a|| + ||b||)`` over all entries (0 when both are zero).

    a, b : ndarrays of the same shape (or dicts of ndarrays with the same keys and shapes).
    """
    a, b = _flatten(a), _flatten(b)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare gradients of shapes {a.shape} and {b.shape}")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)


def _flatten(values) -> np.ndarray:
    if isinstance(values, Mapping):
        return np.concatenate([np.asarray(values[k], dtype=float).ravel() for k in values])
    return np.asarray(values, dtype=float).ravel()


def _prepare(parameters, X, Y):
    network.number_of_layers(parameters)
    X = np.asarray(X, dtype=float)
    network.check_data(X, Y, n_x=np.shape(parameters["W1"])[1])
    Y = np.asarray(Y, dtype=float)
    parameters = {key: np.array(value, dtype=float) for key, value in parameters.items()}
    return parameters, X, Y


def _cost(X, Y, parameters) -> float:
    AL, cache = network.forward_propagation(X, parameters)
    return network.compute_cost(AL, Y, cache, "mean")


def count_kinks(parameters, X, h: float = 1e-6) -> int:
    """How many hidden pre-activations ``Z`` lie so close to 0 that a step ``h`` crosses a kink.

    At ``Z = 0`` ReLU has no derivative: the backward pass uses 0 there, while centred
    differences average the two sides, so the check disagrees although nothing is wrong.
    This happens with zero biases when every unit of the layer below is inactive for some
    example (then ``Z = b = 0`` exactly). Counts ``|Z| <= 10 h (1 + max |A_prev|)``.

    parameters : dict ``W1, b1, ..., WL, bL``; X : ndarray (n_x, m); h : float.
    """
    L = network.number_of_layers(parameters)
    A = np.asarray(X, dtype=float)
    kinks = 0
    for l in range(1, L):
        Z = np.asarray(parameters[f"W{l}"], dtype=float) @ A + parameters[f"b{l}"]
        tolerance = 10.0 * h * (1.0 + float(np.abs(A).max(initial=0.0)))
        kinks += int(np.count_nonzero(np.abs(Z) <= tolerance))
        A = np.maximum(Z, 0.0)
    return kinks


def analytic_gradients(parameters, X, Y) -> dict[str, np.ndarray]:
    """The gradients of :func:`helpers.network.backward_propagation` at ``parameters``.

    parameters : dict ``W1, b1, ..., WL, bL``; X : ndarray (n_x, m); Y : ndarray (1, m).
    Returns grads ``dW1, db1, ..., dWL, dbL`` (of the mean cost).
    """
    parameters, X, Y = _prepare(parameters, X, Y)
    AL, cache = network.forward_propagation(X, parameters)
    return network.backward_propagation(X, Y, AL, cache, parameters)


def numerical_gradients(parameters, X, Y, h: float = 1e-6) -> dict[str, np.ndarray]:
    """Centred-difference gradients of the mean cross-entropy, keyed ``dW1, db1, ...``.

    parameters : dict ``W1, b1, ..., WL, bL`` (not modified); X : ndarray (n_x, m);
    Y : ndarray (1, m), labels in {0, 1}; h : float, the step.
    """
    parameters, X, Y = _prepare(parameters, X, Y)
    grads = {}
    for key in parameters:
        def cost_of(value, key=key):
            return _cost(X, Y, {**parameters, key: value})

        grads[f"d{key}"] = numerical_gradient(cost_of, parameters[key], h)
    return grads


def gradient_check(parameters, X, Y, h: float = 1e-6, grads=None, report: bool = False) -> float:
    """Relative error between analytic and numerical gradients of the network's cost.

    Parameters
    ----------
    parameters : dict ``W1, b1, ..., WL, bL`` (not modified)
    X : ndarray of shape (n_x, m); Y : ndarray of shape (1, m), labels in {0, 1}
    h : float, the finite-difference step
    grads : dict ``dW1, db1, ..., dWL, dbL`` to check (e.g. from your own backward pass);
        ``None`` checks :func:`helpers.network.backward_propagation`
    report : bool, print a one-line verdict

    Returns
    -------
    float, ``||g - g_num|| / (||g|| + ||g_num||)`` over all parameters together, where
    ``g_num`` differentiates ``compute_cost`` (mean over the m examples) numerically.
    Below 1e-7 the gradients agree; above 1e-3 there is a mistake.
    """
    analytic = analytic_gradients(parameters, X, Y) if grads is None else grads
    network.check_grads_match(parameters, analytic)
    numeric = numerical_gradients(parameters, X, Y, h)
    error = relative_error({k: analytic[k] for k in numeric}, numeric)
    if report:
        kinks = count_kinks(parameters, X, h) if error >= PASS_THRESHOLD else 0
        print(verdict(error, kinks))
    return error


def verdict(error: float, kinks: int = 0) -> str:
    """A one-line reading of a relative error for a learner.

    error : float, the relative error; kinks : int, hidden pre-activations at a ReLU kink
    (see :func:`count_kinks`), which make a high error inconclusive.
    """
    if not np.isfinite(error):
        return (f"Gradient check FAILED: the relative error is {error}; the gradients contain "
                "nan or inf.")
    if error < PASS_THRESHOLD:
        return (f"Gradient check passed: relative error {error:.1e} < {PASS_THRESHOLD:.0e}, "
                "the gradients agree.")
    if kinks:
        return (f"Gradient check INCONCLUSIVE: relative error {error:.1e} (expected < "
                f"{PASS_THRESHOLD:.0e}), but {kinks} ReLU pre-activation(s) sit at a kink "
                "(Z = 0), where numerical derivatives are meaningless. Repeat with nonzero "
                "biases (e.g. add 0.1 to every b) or other examples.")
    if error < FAIL_THRESHOLD:
        return (f"Gradient check: relative error {error:.1e} is a little high (expected "
                f"< {PASS_THRESHOLD:.0e}). Look at the per-parameter errors "
                "(check_gradients) before trusting these gradients.")
    return (f"Gradient check FAILED: relative error {error:.1e} (expected < "
            f"{PASS_THRESHOLD:.0e}). The analytic gradients are wrong.")


def check_gradients(parameters, X, Y, grads=None, h: float = 1e-6) -> bool:
    """Gradient check with a printed verdict and the relative error of every parameter.

    For learners: call it on your parameters and data (and your own ``grads`` if you wrote a
    backward pass) and read the table; the parameter with the largest error is where to look.

    parameters : dict ``W1, b1, ..., WL, bL``; X : ndarray (n_x, m); Y : ndarray (1, m);
    grads : dict ``dW1, db1, ...`` or ``None`` for the course's backward pass; h : float.

    Returns ``True`` when the overall relative error is below 1e-7 (prints in every case).
    """
    analytic = analytic_gradients(parameters, X, Y) if grads is None else grads
    network.check_grads_match(parameters, analytic)
    numeric = numerical_gradients(parameters, X, Y, h)
    errors = {key: relative_error(analytic[key], numeric[key]) for key in numeric}
    overall = relative_error({k: analytic[k] for k in numeric}, numeric)
    worst = max(errors, key=lambda key: errors[key])
    lines = [f"{'gradient':>9}  {'shape':>8}  relative error"]
    for key, error in errors.items():
        flag = "  <-- largest" if key == worst and error >= PASS_THRESHOLD else ""
        lines.append(f"{key:>9}  {str(np.shape(numeric[key])):>8}  {error:.1e}{flag}")
    print("\n".join(lines))
    kinks = count_kinks(parameters, X, h) if overall >= PASS_THRESHOLD else 0
    print(verdict(overall, kinks))
    if overall >= FAIL_THRESHOLD and not kinks:
        print(f"Look first at {worst}: its relative error is {errors[worst]:.1e}.")
    return bool(overall < PASS_THRESHOLD)


__all__ = ["FAIL_THRESHOLD", "PASS_THRESHOLD", "analytic_gradients", "check_gradients",
           "count_kinks", "gradient_check", "numerical_gradient", "numerical_gradients",
           "relative_error", "verdict"]
