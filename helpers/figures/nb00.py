"""The course's overview figure (README): the four update rules from one start on two surfaces:
an ill-conditioned bowl and a saddle.

Drawn with the instructor masters' own solutions (loaded from ``autograder/source``), run on
2-D points through :func:`helpers.surfaces.trajectory`, exactly as a learner's functions are.
"""

from __future__ import annotations

from helpers import plots, surfaces, training
from helpers.figures import figure
from helpers.language import N_

#: The figures' texts, as their shapes (numbers and maths are holes), for the helpers'
#: catalogue: drawn in Chinese under plots.use_language("zh-CN") (make figures).
TEXTS = (
    N_('bowl {0}: {1} steps'), N_('saddle {0}: {1} steps'),
)

# Learning rate per surface and method, chosen so each method shows its character.
SETTINGS = {
    "bowl": (60, {"gd": 0.09, "momentum": 0.09, "rmsprop": 0.1, "adam": 0.2}),
    "saddle": (60, {"gd": 0.05, "momentum": 0.05, "rmsprop": 0.05, "adam": 0.05}),
}


def _optimizers():
    from autograder.publish.masters import load_functions

    f = load_functions("update_parameters_with_gd", "initialize_velocity",
                       "update_parameters_with_momentum", "initialize_rmsprop",
                       "update_parameters_with_rmsprop", "initialize_adam",
                       "update_parameters_with_adam")
    return {
        "gd": training.gd(f["update_parameters_with_gd"]),
        "momentum": training.momentum(f["initialize_velocity"],
                                      f["update_parameters_with_momentum"], beta=0.9),
        "rmsprop": training.rmsprop(f["initialize_rmsprop"], f["update_parameters_with_rmsprop"],
                                    beta2=0.9),
        "adam": training.adam(f["initialize_adam"], f["update_parameters_with_adam"]),
    }


@figure("00_optimizers.png")
def optimizers_overview():
    optimizers = _optimizers()
    fig, axes = plots.figure(ncols=2, width=11, height=4.4)
    for ax, (name, (steps, rates)) in zip(axes, SETTINGS.items(), strict=True):
        surface = surfaces.SURFACES[name]
        paths = {f"{method}, lr {rates[method]:g}":
                 surfaces.trajectory(surface, optimizer, learning_rate=rates[method],
                                     num_steps=steps)
                 for method, optimizer in optimizers.items()}
        plots.plot_trajectories(surface, paths, ax=ax,
                                title=f"{surface.title or surface.name}: {steps} steps",
                                markers=False, legend_loc="upper right" if name == "bowl"
                                else "lower left")
    return fig
