"""Reusable pieces of the course *Optimization Methods for Deep Learning*.

Notebooks stay thin; everything they reuse lives here, tested:

- :mod:`helpers.data`       the two-moons data set (load, regenerate, scatter plot)
- :mod:`helpers.network`    the L-layer ReLU network with a sigmoid output, forward and backward
- :mod:`helpers.training`   the mini-batch training loop, driven by the learner's own functions
- :mod:`helpers.plots`      one figure style for the whole course
- :mod:`helpers.surfaces`   2-D test functions with exact gradients, and optimizer trajectories
- :mod:`helpers.gradcheck`  numerical gradient checking
- :mod:`helpers.figures`    the concept figures of the notebooks (``python -m helpers.figures``)

Conventions, stated once: examples are columns (``X`` has shape ``(n_x, m)``), parameters are a
dict ``W1, b1, ..., WL, bL``, gradients and optimizer state use ``dW1, db1, ..., dWL, dbL``.
"""

__all__ = ["data", "network", "training", "plots", "surfaces", "gradcheck", "figures"]
