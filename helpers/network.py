"""The course's network: LINEAR -> RELU -> ... -> LINEAR -> SIGMOID, for binary labels.

``layers_dims = [n_x, n_1, ..., n_L]`` gives the width of every layer; the default
``[2, 5, 2, 1]`` is the 3-layer network of the two-moons exercises. Any depth works.

Conventions
-----------
- Examples are columns: ``X`` has shape ``(n_x, m)``, labels ``Y`` shape ``(1, m)``.
- Parameters: ``W{l}`` of shape ``(n_l, n_{l-1})`` and ``b{l}`` of shape ``(n_l, 1)``.
- Gradients: ``dW{l}``, ``db{l}`` with the same shapes, of the *mean* cost over the batch.

The functions are written for speed on small layers (the training loop calls them hundreds
of thousands of times per notebook): no copies, few temporaries, validation only at the edges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np

DEFAULT_LAYERS = (2, 5, 2, 1)


# --------------------------------------------------------------------------- validation
def number_of_layers(parameters: Mapping[str, np.ndarray]) -> int:
    """L, the number of weight matrices ``W1 ... WL`` in ``parameters``.

    Raises ``ValueError`` naming the missing keys when the dict is not ``W1, b1, ..., WL, bL``.
    """
    L = sum(1 for key in parameters if key.startswith("W"))
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in ("W", "b")}
    if set(parameters) != expected or L == 0:
        raise ValueError(
            "parameters must be a dict with keys W1, b1, ..., WL, bL; "
            f"got keys {sorted(parameters)}"
        )
    return L


def check_data(X: np.ndarray, Y: np.ndarray | None = None, n_x: int | None = None) -> None:
    """Raise a ``ValueError`` that names the shapes when ``X``/``Y`` are not usable.

    X : ndarray of shape (n_x, m); Y : ndarray of shape (1, m) with labels in {0, 1}.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D with examples as columns, shape (n_x, m); got {X.shape}")
    if n_x is not None and X.shape[0] != n_x:
        hint = " (did you pass X.T? examples are columns)" if X.shape[1] == n_x else ""
        raise ValueError(f"X has {X.shape[0]} rows but the network expects n_x = {n_x} "
                         f"features; X.shape = {X.shape}{hint}")
    if Y is None:
        return
    Y = np.asarray(Y)
    if Y.shape != (1, X.shape[1]):
        raise ValueError(f"Y must have shape (1, m) = (1, {X.shape[1]}) to match X {X.shape}; "
                         f"got {Y.shape}")
    bad = ~np.isin(Y, (0, 1))
    if bad.any():
        raise ValueError(f"labels must be 0 or 1; Y holds {np.unique(Y[bad])[:5].tolist()} "
                         f"at {int(bad.sum())} positions")


def check_grads_match(parameters: Mapping, grads: Mapping) -> None:
    """Raise a ``ValueError`` when ``grads`` is not ``d`` + each parameter key, same shapes."""
    expected = {f"d{key}" for key in parameters}
    if set(grads) != expected:
        missing, extra = sorted(expected - set(grads)), sorted(set(grads) - expected)
        raise ValueError(f"gradient keys do not match the parameters: missing {missing}, "
                         f"unexpected {extra}")
    for key, value in parameters.items():
        if np.shape(grads[f"d{key}"]) != np.shape(value):
            raise ValueError(f"d{key} has shape {np.shape(grads[f'd{key}'])} but {key} has "
                             f"shape {np.shape(value)}")


# --------------------------------------------------------------------------- the network
def initialize_parameters_he(layers_dims: Sequence[int] = DEFAULT_LAYERS, seed: int = 3):
    """He initialisation, reproducible from ``seed``.

    ``W{l} = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1})`` drawn in layer order after
    ``np.random.seed(seed)`` (the classic draw, so the classic results come out);
    ``b{l} = zeros((n_l, 1))``.

    Returns
    -------
    parameters : dict of ndarray, ``W{l}`` (n_l, n_{l-1}) and ``b{l}`` (n_l, 1), float64
    """
    dims = [int(d) for d in layers_dims]
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"layers_dims needs at least two positive sizes; got {list(layers_dims)}")
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) * np.sqrt(2.0 / dims[l - 1])
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """Elementwise ``1 / (1 + exp(-Z))``; overflow of ``exp`` gives exactly 0, silently."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-Z))


@cache
def layer_keys(L: int) -> tuple[tuple[str, str, str, str], ...]:
    """``(("W1", "b1", "dW1", "db1"), ..., ("WL", "bL", "dWL", "dbL"))``, built once per L."""
    return tuple((f"W{l}", f"b{l}", f"dW{l}", f"db{l}") for l in range(1, L + 1))


def forward_propagation(X: np.ndarray, parameters: Mapping[str, np.ndarray]):
    """Run the network on a batch.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    parameters : dict with ``W1, b1, ..., WL, bL``

    Returns
    -------
    AL : ndarray of shape (1, m), the predicted probability of label 1
    cache : tuple ``(activations, ZL)``; ``activations[l]`` is ``A{l}`` of shape (n_l, m)
        for ``l = 0 .. L-1`` (``A0 = X``) and ``ZL`` of shape (1, m) is the output logit,
        which :func:`compute_cost` can use for a cost that never saturates.
    """
    keys = layer_keys(len(parameters) // 2)
    A = X
    activations = [X]
    for W, b, _, _ in keys[:-1]:
        Z = parameters[W].dot(A)  # ndarray.dot: same product as @, far less call overhead
        Z += parameters[b]
        A = np.maximum(Z, 0.0, out=Z)  # ReLU in place: Z is not needed after this
        activations.append(A)
    W, b, _, _ = keys[-1]
    ZL = parameters[W].dot(A)
    ZL += parameters[b]
    # sigmoid(ZL) = 1 / (1 + exp(-ZL)), in place on one temporary; exp overflow gives 0.
    with np.errstate(over="ignore"):
        AL = np.exp(-ZL)
    AL += 1.0
    np.divide(1.0, AL, out=AL)
    return AL, (activations, ZL)


def compute_cost(AL: np.ndarray, Y: np.ndarray, cache=None, reduction: str = "mean") -> float:
    """Binary cross-entropy ``-(Y log AL + (1 - Y) log(1 - AL))``, averaged or summed over m.

    Never ``nan`` or ``inf``: with ``cache`` (from :func:`forward_propagation`) the cost is
    computed from the logit ``ZL`` as ``log(1 + exp(ZL)) - Y * ZL``, exact even when ``AL``
    rounds to 0 or 1; without it, ``AL`` is clipped to ``[1e-300, 1 - 2**-53]``.

    AL : ndarray of shape (1, m); Y : ndarray of shape (1, m);
    reduction : ``"mean"`` (cost per example) or ``"sum"`` (total over the batch).
    """
    if cache is not None:
        total = summed_cost_from_logits(cache[1], Y)
    else:
        P = np.clip(AL, 1e-300, 1.0 - 2.0**-53)
        total = float(-(Y * np.log(P) + (1 - Y) * np.log1p(-P)).sum())
    if reduction == "sum":
        return total
    if reduction == "mean":
        return total / Y.shape[1]
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def summed_cost_from_logits(ZL: np.ndarray, Y: np.ndarray) -> float:
    """Total cross-entropy over the batch from the output logits: ``sum(log(1 + e^ZL) - Y ZL)``.

    ZL : ndarray of shape (1, m); Y : ndarray of shape (1, m). Exact for any finite logit.
    """
    return float((np.logaddexp(0.0, ZL) - Y * ZL).sum())


def backward_propagation(X: np.ndarray, Y: np.ndarray, AL: np.ndarray, cache, parameters):
    """Gradients of the mean cross-entropy over the batch with respect to every parameter.

    Parameters
    ----------
    X : ndarray of shape (n_x, m) (unused beyond ``cache``; kept for the familiar signature)
    Y : ndarray of shape (1, m)
    AL : ndarray of shape (1, m), from :func:`forward_propagation`
    cache : the cache from :func:`forward_propagation`
    parameters : dict ``W1, b1, ..., WL, bL``

    Returns
    -------
    grads : dict ``dW1, db1, ..., dWL, dbL`` with the shapes of ``W1, b1, ...``
    """
    activations, _ = cache
    keys = layer_keys(len(activations))
    m = Y.shape[1]
    grads = {}
    dZ = (1.0 / m) * (AL - Y)  # derivative of the mean cost through the sigmoid
    for l in range(len(activations) - 1, -1, -1):
        W, _, dW, db = keys[l]
        A_prev = activations[l]
        grads[dW] = dZ.dot(A_prev.T)
        grads[db] = dZ.sum(axis=1, keepdims=True)
        if l:
            dZ = parameters[W].T.dot(dZ)
            dZ *= A_prev > 0  # ReLU passes the gradient only where it was active
    return grads


def predict(X: np.ndarray, parameters: Mapping[str, np.ndarray]) -> np.ndarray:
    """Labels in {0, 1}: 1 where the predicted probability exceeds 0.5.

    X : ndarray of shape (n_x, m). Returns an int ndarray of shape (1, m).
    """
    number_of_layers(parameters)
    check_data(X, n_x=parameters["W1"].shape[1])
    AL, _ = forward_propagation(np.asarray(X, dtype=float), parameters)
    return (AL > 0.5).astype(np.int64)


def accuracy(X: np.ndarray, Y: np.ndarray, parameters: Mapping[str, np.ndarray]) -> float:
    """Fraction of the m examples whose predicted label equals ``Y`` (a float in [0, 1]).

    X : ndarray of shape (n_x, m); Y : ndarray of shape (1, m).
    """
    check_data(X, Y, n_x=parameters["W1"].shape[1])
    return float(np.mean(predict(X, parameters) == Y))
