"""The mini-batch training loop every notebook uses, driven by the learner's own functions.

Nothing here implements an update rule: a notebook wraps *its own* functions in an
:class:`Optimizer` and hands them to :func:`train`, so what trains is exactly what the learner
wrote::

    opt = training.adam(initialize_adam, update_parameters_with_adam)
    parameters, history = training.train(X, Y, opt, mini_batches=random_mini_batches)

With the classic settings (the defaults: learning rate 0.0007, mini-batches of 64, 5000 epochs,
He initialisation with seed 3, reshuffling with seed 11 in the first epoch and one more each
epoch) the classic results of this exercise come out exactly.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from helpers import network
from helpers.language import _


class TrainingDiverged(FloatingPointError):
    """The cost became nan or inf: most often a graded function that is still wrong (the
    message names the learner's functions in use), otherwise a learning rate too large."""


# At or below this rate, a cost of nan or inf on this problem comes from a wrong function far
# more often than from steps that are too large (the classic rates are 0.0007 to 0.01).
SMALL_RATE = 0.01


def _function_name(fn, default: str) -> str:
    name = getattr(fn, "__name__", "")
    return name if name.isidentifier() else default


@dataclass
class Optimizer:
    """An update rule seen through one interface, whatever its own signature.

    ``init(parameters) -> state`` and ``step(parameters, grads, state, learning_rate)
    -> (parameters, state)``. Build one with :func:`gd`, :func:`momentum`, :func:`rmsprop`
    or :func:`adam` from the learner's functions.
    """

    name: str
    init: Callable
    step: Callable
    hyperparameters: dict = field(default_factory=dict)
    functions: tuple = ()      # names of the learner's functions it calls, for messages

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v}" for k, v in self.hyperparameters.items())
        return f"{self.name}({settings})"


def gd(update_parameters_with_gd: Callable) -> Optimizer:
    """Plain gradient descent from ``update_parameters_with_gd(parameters, grads, lr)``."""

    def step(parameters, grads, state, learning_rate):
        return update_parameters_with_gd(parameters, grads, learning_rate), state

    return Optimizer("gd", lambda parameters: None, step,
                     functions=(_function_name(update_parameters_with_gd,
                                               "update_parameters_with_gd"),))


def momentum(initialize_velocity: Callable, update_parameters_with_momentum: Callable,
             beta: float = 0.9) -> Optimizer:
    """Momentum from the learner's ``initialize_velocity`` and momentum update functions."""

    def step(parameters, grads, v, learning_rate):
        return update_parameters_with_momentum(parameters, grads, v, beta, learning_rate)

    return Optimizer("momentum", initialize_velocity, step, {"beta": beta},
                     (_function_name(initialize_velocity, "initialize_velocity"),
                      _function_name(update_parameters_with_momentum,
                                     "update_parameters_with_momentum")))


def rmsprop(initialize_rmsprop: Callable, update_parameters_with_rmsprop: Callable,
            beta2: float = 0.999, epsilon: float = 1e-8) -> Optimizer:
    """RMSprop from the learner's ``initialize_rmsprop`` and ``update_parameters_with_rmsprop``."""

    def step(parameters, grads, s, learning_rate):
        return update_parameters_with_rmsprop(parameters, grads, s, beta2, learning_rate, epsilon)

    return Optimizer("rmsprop", initialize_rmsprop, step, {"beta2": beta2, "epsilon": epsilon},
                     (_function_name(initialize_rmsprop, "initialize_rmsprop"),
                      _function_name(update_parameters_with_rmsprop,
                                     "update_parameters_with_rmsprop")))


def adam(initialize_adam: Callable, update_parameters_with_adam: Callable, beta1: float = 0.9,
         beta2: float = 0.999, epsilon: float = 1e-8) -> Optimizer:
    """Adam from the learner's ``initialize_adam`` and ``update_parameters_with_adam``.

    The step counter ``t`` starts at 0 and is incremented once per mini-batch *before* the
    update, so the first update sees ``t = 1``.
    """

    def init(parameters):
        v, s = initialize_adam(parameters)
        return v, s, 0

    def step(parameters, grads, state, learning_rate):
        v, s, t = state
        t += 1
        parameters, v, s, *_rest = update_parameters_with_adam(
            parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
        return parameters, (v, s, t)

    return Optimizer("adam", init, step, {"beta1": beta1, "beta2": beta2, "epsilon": epsilon},
                     (_function_name(initialize_adam, "initialize_adam"),
                      _function_name(update_parameters_with_adam,
                                     "update_parameters_with_adam")))


@dataclass
class History:
    """What a training run records, one entry per epoch.

    costs : ndarray of shape (num_epochs,), mean cross-entropy over the epoch (summed batch
        costs / m, each batch evaluated before its update)
    learning_rates : ndarray of shape (num_epochs,), the rate used during each epoch
    elapsed : ndarray of shape (num_epochs,), seconds since the start at the end of each epoch
    seconds : float, wall time of the whole run
    steps : int, number of parameter updates
    """

    costs: np.ndarray
    learning_rates: np.ndarray
    elapsed: np.ndarray
    seconds: float
    steps: int
    label: str = ""


def full_batch(X, Y, mini_batch_size=None, seed=None):
    """One batch holding every example, in order (batch gradient descent)."""
    return [(X, Y)]


def _progress_wanted() -> bool:
    """Show a progress bar only in an interactive notebook, never in tests or grading."""
    if os.environ.get("NBGRADER_EXECUTION") or "pytest" in sys.modules:
        return False
    if os.environ.get("OPTIM_COURSE_QUIET"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class _Progress:
    """A one-line text progress bar updated in place in a notebook, at most 5 times a second."""

    def __init__(self, total: int, label: str):
        from IPython.display import display

        self.total, self.label, self.last = total, label, 0.0
        self.handle = display(self._text(0, float("nan")), display_id=True)

    def _text(self, epoch: int, cost: float):
        from IPython.display import Pretty

        filled = int(30 * epoch / self.total)
        bar = "#" * filled + "-" * (30 - filled)
        return Pretty(f"{self.label} [{bar}] epoch {epoch}/{self.total}  cost {cost:.4f}")

    def update(self, epoch: int, cost: float, force: bool = False) -> None:
        now = time.perf_counter()
        if force or now - self.last > 0.2:
            self.last = now
            self.handle.update(self._text(epoch, cost))


def _check_first_update(optimizer: Optimizer, shapes: dict, parameters) -> None:
    """After the first update: the learner's function returned parameters we can train with.

    Caught here, once, a forgotten ``return`` or a renamed key reads as what it is, instead of
    a ``TypeError`` or ``KeyError`` deep inside the forward pass of the next step.
    """
    where = _("the {name} update function you passed to training.{name}()").format(
        name=optimizer.name)
    if not isinstance(parameters, dict):
        raise TypeError(_("{where} returned {type} where the updated parameters dict was "
                          "expected (a missing `return parameters`?)").format(
            where=where, type=type(parameters).__name__))
    if set(parameters) != set(shapes):
        missing = sorted(set(shapes) - set(parameters))
        extra = sorted(set(parameters) - set(shapes))
        raise KeyError(_("{where} returned parameters with keys {keys}; expected {expected} "
                         "(missing {missing}, unexpected {extra})").format(
            where=where, keys=sorted(parameters), expected=sorted(shapes), missing=missing,
            extra=extra))
    for key, shape in shapes.items():
        if np.shape(parameters[key]) != shape:
            raise ValueError(_("{where} changed the shape of {key} from {shape} to "
                               "{new}").format(where=where, key=key, shape=shape,
                                               new=np.shape(parameters[key])))


def _diverged_message(epoch, cost, lr, optimizer, mini_batches, schedule) -> str:
    """Why training diverged, the learner's own functions first (the helpers know nothing of
    the checks: the message only says which functions to check, and how)."""
    names = list(optimizer.functions) or [optimizer.name]
    if mini_batches is not None:
        names.insert(0, _function_name(mini_batches, "random_mini_batches"))
    if schedule is not None:
        names.append(_function_name(schedule, "update_lr"))
    listed = ", ".join(names)
    lines = [
        _("training diverged in epoch {epoch}: the cost became {cost} with learning rate "
          "{lr} ({optimizer}).").format(epoch=epoch, cost=cost, lr=f"{lr:g}",
                                        optimizer=repr(optimizer)),
        _("  First suspect: your own functions. This run used {listed}. If one of them has "
          "not passed its check yet (the check cell below it), fix it first: a wrong formula "
          "or a wrong return value can give nan or inf at any learning rate, however "
          "small.").format(listed=listed),
    ]
    if lr <= SMALL_RATE:
        lines.append(_("  At a rate as small as {lr} a bug is far more likely than steps "
                       "that are too large: lowering the learning rate will not fix a wrong "
                       "formula.").format(lr=f"{lr:g}"))
    else:
        lines.append(_("  If every one of them passes its check, the steps are too large for "
                       "this problem: try a learning rate 3 to 10 times smaller."))
    return "\n".join(lines)


def train(X: np.ndarray, Y: np.ndarray, optimizer: Optimizer, *,
          mini_batches: Callable | None = None, mini_batch_size: int = 64,
          learning_rate: float = 0.0007, num_epochs: int = 5000,
          layers_dims: Sequence[int] = network.DEFAULT_LAYERS, init_seed: int = 3,
          shuffle_seed: int = 10, schedule: Callable | None = None, decay_rate: float = 1.0,
          parameters: dict | None = None, progress: bool | None = None, label: str = ""):
    """Train the network on ``(X, Y)`` with the learner's optimizer.

    Parameters
    ----------
    X : ndarray of shape (n_x, m); Y : ndarray of shape (1, m), labels in {0, 1}
    optimizer : :class:`Optimizer` built with :func:`gd`, :func:`momentum`, :func:`rmsprop`
        or :func:`adam` from the learner's own functions
    mini_batches : ``f(X, Y, mini_batch_size, seed) -> [(X_batch, Y_batch), ...]``, e.g. the
        learner's ``random_mini_batches``; ``None`` trains on the full batch
    mini_batch_size : int, examples per mini-batch
    learning_rate : float, the initial learning rate ``lr0``
    num_epochs : int, passes over the data
    layers_dims : layer widths, ``[n_x, n_1, ..., 1]``
    init_seed : int, seed of the He initialisation
    shuffle_seed : int, the epoch ``i`` (from 0) shuffles with seed ``shuffle_seed + 1 + i``
    schedule : ``f(lr0, epoch, decay_rate) -> lr`` such as the learner's ``update_lr``;
        applied after epoch ``i`` as ``lr = schedule(lr0, i, decay_rate)``, so epochs 0 and 1
        both run at ``lr0``
    parameters : dict, start from these instead of a fresh He initialisation (copied)
    progress : bool, show a progress bar; default: only when running in a notebook

    Returns
    -------
    parameters : dict ``W1, b1, ..., WL, bL``, the trained parameters
    history : :class:`History`

    Raises
    ------
    TrainingDiverged
        when the cost becomes nan or inf, naming the epoch, the learning rate and the
        learner's functions in use (the first suspects), then the learning rate.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y)
    if parameters is None:
        network.check_data(X, Y, n_x=int(layers_dims[0]))
        parameters = network.initialize_parameters_he(layers_dims, init_seed)
    else:
        network.number_of_layers(parameters)
        network.check_data(X, Y, n_x=parameters["W1"].shape[1])
        parameters = {key: np.array(value, dtype=np.float64) for key, value in parameters.items()}
    Y = Y.astype(np.float64)
    m = X.shape[1]
    make_batches = mini_batches or full_batch
    show = _progress_wanted() if progress is None else progress
    bar = _Progress(num_epochs, label or optimizer.name) if show else None

    forward, backward = network.forward_propagation, network.backward_propagation
    summed_cost = network.summed_cost_from_logits
    concatenate = np.concatenate
    costs = np.empty(num_epochs)
    rates = np.empty(num_epochs)
    elapsed = np.empty(num_epochs)
    lr0 = lr = learning_rate
    shapes = {key: value.shape for key, value in parameters.items()}
    state = optimizer.init(parameters)
    step = optimizer.step
    steps = 0
    seed = shuffle_seed
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(num_epochs):
            seed += 1
            logits, labels = [], []
            for X_batch, Y_batch in make_batches(X, Y, mini_batch_size, seed):
                AL, cache = forward(X_batch, parameters)
                grads = backward(X_batch, Y_batch, AL, cache, parameters)
                parameters, state = step(parameters, grads, state, lr)
                if not steps:
                    _check_first_update(optimizer, shapes, parameters)
                # The epoch's cost sums each batch's cost before its update; computing it
                # once per epoch from the kept logits costs a few numpy calls, not a few per step.
                logits.append(cache[1])
                labels.append(Y_batch)
                steps += 1
            total = summed_cost(concatenate(logits, axis=1), concatenate(labels, axis=1))
            cost = total / m
            costs[epoch] = cost
            rates[epoch] = lr
            elapsed[epoch] = time.perf_counter() - start
            if not math.isfinite(cost):
                raise TrainingDiverged(_diverged_message(
                    epoch, cost, lr, optimizer, mini_batches, schedule))
            if bar is not None:
                bar.update(epoch + 1, cost)
            if schedule is not None:
                lr = schedule(lr0, epoch, decay_rate)
    if bar is not None:
        bar.update(num_epochs, costs[-1], force=True)
    history = History(costs, rates, elapsed, time.perf_counter() - start, steps,
                      label or optimizer.name)
    return parameters, history
