"""2-D test surfaces with exact gradients, and the path an optimizer takes on them.

A point ``p = (x, y)`` is dressed up as a tiny "network" so that the learner's own update
functions run on it unchanged: the parameters are ``{"W1": [[x]], "b1": [[y]]}`` and the
gradient ``{"dW1": [[df/dx]], "db1": [[df/dy]]}``. So the same ``update_parameters_with_adam``
that trains the network on the moons draws its path on the Rosenbrock valley::

    opt = training.adam(initialize_adam, update_parameters_with_adam)
    path = surfaces.trajectory(surfaces.SURFACES["bowl"], opt, learning_rate=0.1)
    plots.plot_trajectories(surfaces.SURFACES["bowl"], {"adam": path})

Surfaces
--------
- :func:`bowl`: ``0.5 (x^2 + c y^2)``, an ill-conditioned quadratic (condition number ``c``);
  plain gradient descent diverges for a learning rate above ``2 / c``.
- :func:`rosenbrock`: ``(a - x)^2 + b (y - x^2)^2``, a curved, flat-bottomed valley.
- :func:`saddle`: ``0.5 (x^2 - y^2)``, a saddle point at the origin (unbounded below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


def _xy(p, what: str = "p"):
    p = np.asarray(p, dtype=float)
    if p.ndim == 0 or p.shape[0] != 2:
        raise ValueError(f"{what} must be a point of shape (2,) (or (2, ...) for grids of "
                         f"points, first axis x then y); got shape {p.shape}")
    return p[0], p[1]


@dataclass(frozen=True)
class Surface:
    """A function of two variables to watch optimizers on.

    name : str, short name (``"bowl"``)
    f : ``f(p) -> float`` for a point ``p`` of shape (2,); also accepts ``p`` of shape
        (2, ...) (a stack of x and y grids) and returns an array of shape (...)
    grad : ``grad(p) -> ndarray (2,)``, the exact gradient ``(df/dx, df/dy)``; shape (2, ...)
        for stacked grids
    xlim, ylim : (low, high), the box to draw
    start : ndarray of shape (2,), the usual starting point
    minimum : ndarray of shape (2,), the global minimum, or ``None`` if there is none
    saddle : ndarray of shape (2,), a saddle point worth marking, or ``None``
    title : str, a title for figures (with the formula in LaTeX)
    escape : float, a path that goes farther than ``escape`` box-sizes from the box's centre
        is stopped by :func:`trajectory` (it has diverged)

    Calling the surface, ``surface(x, y)``, evaluates ``f`` elementwise on arrays of any
    (equal) shape, e.g. the grids of ``np.meshgrid`` for contour plots.
    """

    name: str
    f: Callable
    grad: Callable
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    start: np.ndarray
    minimum: np.ndarray | None = None
    saddle: np.ndarray | None = None
    title: str = ""
    escape: float = 10.0
    parameters: dict = field(default_factory=dict)

    def __call__(self, x, y):
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if x.shape != y.shape:
            raise ValueError(f"x and y must have the same shape; got {x.shape} and {y.shape}")
        return self.f(np.stack([x, y]))

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v}" for k, v in self.parameters.items())
        return f"Surface({self.name}({settings}), start={self.start.tolist()})"

    def inside_escape_box(self, p) -> bool:
        """Whether ``p`` (shape (2,)) is finite and within the escape region of this surface."""
        p = np.asarray(p, dtype=float)
        if not np.all(np.isfinite(p)):
            return False
        centre = np.array([sum(self.xlim) / 2, sum(self.ylim) / 2])
        size = max(self.xlim[1] - self.xlim[0], self.ylim[1] - self.ylim[0])
        return bool(np.all(np.abs(p - centre) <= self.escape * size))


def bowl(condition: float = 20.0) -> Surface:
    """The ill-conditioned quadratic ``f(x, y) = 0.5 * (x**2 + condition * y**2)``.

    The curvature is 1 along x and ``condition`` along y; plain gradient descent converges
    for learning rates below ``2 / condition`` and diverges (zig-zagging in y) above.
    Minimum 0 at (0, 0); start (-4, 1.5); box x in [-5, 5], y in [-2.5, 2.5].
    """
    c = float(condition)
    if not c > 0:
        raise ValueError(f"condition must be positive; got {condition}")

    def f(p):
        x, y = _xy(p)
        return 0.5 * (x * x + c * y * y)

    def grad(p):
        x, y = _xy(p)
        return np.stack([x, c * y]).astype(float)

    return Surface("bowl", f, grad, xlim=(-5.0, 5.0), ylim=(-2.5, 2.5),
                   start=np.array([-4.0, 1.5]), minimum=np.array([0.0, 0.0]),
                   title=rf"bowl $\frac{{1}}{{2}}(x^2 + {c:g}\,y^2)$",
                   parameters={"condition": c})


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """The Rosenbrock valley ``f(x, y) = (a - x)**2 + b * (y - x**2)**2``.

    Minimum 0 at (a, a**2) at the end of a long, curved, nearly flat valley; start (-1.5, 2);
    box x in [-2, 2], y in [-1, 3] (for the default ``a = 1``).
    """
    a, b = float(a), float(b)

    def f(p):
        x, y = _xy(p)
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(p):
        x, y = _xy(p)
        valley = y - x * x
        return np.stack([-2.0 * (a - x) - 4.0 * b * x * valley, 2.0 * b * valley]).astype(float)

    return Surface("rosenbrock", f, grad, xlim=(a - 3.0, a + 1.0), ylim=(a * a - 2.0, a * a + 2.0),
                   start=np.array([-1.5, 2.0]), minimum=np.array([a, a * a]),
                   title=rf"Rosenbrock $({a:g} - x)^2 + {b:g}\,(y - x^2)^2$",
                   parameters={"a": a, "b": b})


def saddle() -> Surface:
    """The saddle ``f(x, y) = 0.5 * (x**2 - y**2)``: a minimum along x, a maximum along y.

    No minimum (unbounded below); the saddle point is (0, 0). The start (-3, 0.01) sits just
    off the ridge ``y = 0``, so gradient descent first crawls towards the saddle point and
    only slowly escapes along y. Box x in [-4, 4], y in [-3, 3].
    """

    def f(p):
        x, y = _xy(p)
        return 0.5 * (x * x - y * y)

    def grad(p):
        x, y = _xy(p)
        return np.stack([x, -y]).astype(float)

    return Surface("saddle", f, grad, xlim=(-4.0, 4.0), ylim=(-3.0, 3.0),
                   start=np.array([-3.0, 0.01]), minimum=None, saddle=np.array([0.0, 0.0]),
                   title=r"saddle $\frac{1}{2}(x^2 - y^2)$")


SURFACES: dict[str, Surface] = {"bowl": bowl(), "rosenbrock": rosenbrock(), "saddle": saddle()}


def as_parameters(p) -> dict[str, np.ndarray]:
    """The point ``p`` (shape (2,)) as course parameters ``{"W1": [[x]], "b1": [[y]]}``."""
    x, y = _xy(p)
    return {"W1": np.array([[float(x)]]), "b1": np.array([[float(y)]])}


def as_grads(g) -> dict[str, np.ndarray]:
    """The gradient ``g`` (shape (2,)) as course grads ``{"dW1": [[gx]], "db1": [[gy]]}``."""
    gx, gy = _xy(g, "the gradient")
    return {"dW1": np.array([[float(gx)]]), "db1": np.array([[float(gy)]])}


def point_of(parameters) -> np.ndarray:
    """The point ``(W1[0, 0], b1[0, 0])`` as an ndarray of shape (2,)."""
    try:
        x, y = parameters["W1"], parameters["b1"]
    except (KeyError, TypeError, IndexError):
        keys = sorted(parameters) if hasattr(parameters, "keys") else type(parameters).__name__
        raise ValueError("the optimizer's step must return parameters with keys 'W1' and "
                         f"'b1' (the point's x and y); got {keys}") from None
    if np.size(x) != 1 or np.size(y) != 1:
        raise ValueError(f"the point's parameters must hold one number each, W1 of shape (1, 1) "
                         f"and b1 of shape (1, 1); got {np.shape(x)} and {np.shape(y)}")
    return np.array([np.asarray(x, dtype=float).item(), np.asarray(y, dtype=float).item()])


def trajectory(surface: Surface, optimizer, *, learning_rate: float, num_steps: int = 50,
               start=None, schedule: Callable | None = None, decay_rate: float = 1.0,
               return_status: bool = False):
    """The points an optimizer visits on a surface.

    Parameters
    ----------
    surface : :class:`Surface`
    optimizer : :class:`helpers.training.Optimizer` (``init(parameters) -> state`` and
        ``step(parameters, grads, state, learning_rate) -> (parameters, state)``), e.g.
        ``training.momentum(initialize_velocity, update_parameters_with_momentum, beta=0.9)``
    learning_rate : float, the initial learning rate ``lr0``
    num_steps : int, the number of updates
    start : array-like of shape (2,), where to start; ``surface.start`` when ``None``
    schedule : ``f(lr0, step, decay_rate) -> lr`` (e.g. the learner's ``update_lr``), applied
        after step ``i`` (from 0) as in :func:`helpers.training.train`, steps playing the role
        of epochs
    decay_rate : float, passed to ``schedule``
    return_status : bool, also return why the path ended

    Returns
    -------
    path : ndarray of shape (k + 1, 2), the start then the point after each of ``k`` steps;
        ``k = num_steps`` unless the path diverged. A diverging path (a point that is
        non-finite, or farther than ``surface.escape`` box-sizes from the box) is cut: it
        keeps the first finite point outside the region and nothing after, and contains no
        nan or inf. No warnings are emitted.
    status : str, only with ``return_status=True``: ``"completed"``, ``"escaped"`` (left the
        region: diverged) or ``"non-finite"`` (a gradient, update or point became nan/inf)
    """
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "step")):
        raise ValueError("optimizer must be a helpers.training.Optimizer (with init and step), "
                         f"e.g. training.gd(update_parameters_with_gd); got "
                         f"{type(optimizer).__name__}")
    num_steps = int(num_steps)
    if num_steps < 0:
        raise ValueError(f"num_steps must be >= 0; got {num_steps}")
    point = np.array(surface.start if start is None else start, dtype=float)
    if point.shape != (2,):
        raise ValueError(f"start must have shape (2,); got {point.shape}")
    path = [point.copy()]
    status = "completed"
    lr0 = lr = float(learning_rate)
    with np.errstate(all="ignore"):  # divergence is detected below, not reported as warnings
        parameters = as_parameters(point)
        state = optimizer.init(parameters)
        for step in range(num_steps):
            gradient = np.asarray(surface.grad(point), dtype=float)
            if not np.all(np.isfinite(gradient)):
                status = "non-finite"
                break
            result = optimizer.step(parameters, as_grads(gradient), state, lr)
            if not (isinstance(result, tuple) and len(result) == 2):
                raise ValueError("optimizer.step must return (parameters, state); got "
                                 f"{type(result).__name__}")
            parameters, state = result
            point = point_of(parameters)
            if not np.all(np.isfinite(point)):
                status = "non-finite"
                break
            path.append(point.copy())
            if not surface.inside_escape_box(point):
                status = "escaped"
                break
            if schedule is not None:
                lr = float(schedule(lr0, step, decay_rate))
    path = np.array(path)
    return (path, status) if return_status else path


def steps_to_reach(path, target, tolerance: float = 1e-3) -> int | None:
    """The first step at which ``path`` (shape (k, 2)) is within ``tolerance`` of ``target``.

    target : array-like of shape (2,). Returns the row index, or ``None`` if never reached.
    """
    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(f"path must have shape (k, 2); got {path.shape}")
    distances = np.linalg.norm(path - np.asarray(target, dtype=float), axis=1)
    hits = np.flatnonzero(distances <= tolerance)
    return int(hits[0]) if hits.size else None


__all__ = ["SURFACES", "Surface", "as_grads", "as_parameters", "bowl", "point_of", "rosenbrock",
           "saddle", "steps_to_reach", "trajectory"]
