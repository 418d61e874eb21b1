"""helpers.plots: the course style, colours per method, and every plot, drawn headless (Agg)."""

from __future__ import annotations

import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from helpers import data, network, plots, surfaces
from helpers.training import History

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("helpers must never call plt.show()")

    monkeypatch.setattr(plt, "show", no_show)
    yield
    plt.close("all")


def fake_history(label, n=50, seed=0, start=0.7):
    rng = np.random.default_rng(seed)
    costs = start * np.exp(-np.linspace(0, 2, n)) + 0.01 * rng.random(n)
    return History(costs=costs, learning_rates=np.full(n, 0.01),
                   elapsed=np.cumsum(np.full(n, 0.002 * (seed + 1))), seconds=0.1 * n,
                   steps=n, label=label)


# --------------------------------------------------------------------------- colours, style
def test_colors_cover_every_method_and_role_with_distinct_optimizer_colours():
    required = {"gd", "sgd", "minibatch", "momentum", "rmsprop", "adam", "train", "test",
                "class0", "class1"}
    assert required <= set(plots.COLORS)
    for value in plots.COLORS.values():
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", value)
    methods = [plots.COLORS[k] for k in ("gd", "sgd", "minibatch", "momentum", "nesterov",
                                         "rmsprop", "adam")]
    assert len(set(methods)) == len(methods)
    assert plots.COLORS["class0"] != plots.COLORS["class1"]
    assert plots.COLORS["train"] != plots.COLORS["test"]


@pytest.mark.parametrize("label, key", [
    ("adam", "adam"),
    ("Adam, lr 0.01", "adam"),
    ("ADAM+decay", "adam"),
    ("gd", "gd"),
    ("GD lr 0.1 + schedule_lr_decay", "gd"),
    ("batch gradient descent", "gd"),
    ("SGD", "sgd"),
    ("sgd, lr 0.01", "sgd"),
    ("stochastic GD", "sgd"),
    ("mini-batch GD", "minibatch"),
    ("Mini batch (64)", "minibatch"),
    ("minibatch", "minibatch"),
    ("mini-batch Adam", "adam"),
    ("momentum (beta 0.9)", "momentum"),
    ("GD with momentum", "momentum"),
    ("RMSprop", "rmsprop"),
    ("nesterov (beta 0.9), lr 0.1", "nesterov"),
    ("Nesterov momentum", "nesterov"),
    ("adamw (decay 0.01), lr 0.01", "adam"),
    ("AdamW + warm-up cosine", "adam"),
    ("train", "train"),
    ("test accuracy", "test"),
    ("class 0", "class0"),
])
def test_color_for_finds_the_method_in_a_label(label, key):
    assert plots.method_of(label) == key
    assert plots.color_for(label) == plots.COLORS[key]


def test_color_for_falls_back_to_a_stable_colour():
    for label in ("my optimizer", "big data", "lookahead", ""):
        assert plots.method_of(label) is None
        colour = plots.color_for(label)
        assert colour in plots.FALLBACK_COLORS
        assert plots.color_for(label) == colour


def test_importing_applies_the_course_style():
    plt.rcdefaults()
    plots.use_course_style()
    assert matplotlib.rcParams["figure.dpi"] == plots.DPI
    assert matplotlib.rcParams["axes.grid"] is True
    assert matplotlib.rcParams["font.size"] >= 10
    width, height = matplotlib.rcParams["figure.figsize"]
    assert 5 <= width <= 8 and 3 <= height <= 5


def test_plain_matplotlib_figures_keep_working_without_warnings():
    # The style must not switch every figure to constrained layout: learners call
    # tight_layout() and subplots_adjust() on their own figures.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, axes = plt.subplots(1, 2)
        fig.tight_layout()
        fig.subplots_adjust(wspace=0.4)


def test_figure_sizes_fit_a_notebook():
    fig, ax = plots.figure()
    assert isinstance(ax, matplotlib.axes.Axes)
    assert fig.get_size_inches()[0] <= 7
    fig, axes = plots.figure(3, 2)
    assert axes.shape == (2, 3)
    assert fig.get_size_inches()[0] <= 11.5
    fig, axes = plots.figure(2, width=9, height=3)
    assert tuple(fig.get_size_inches()) == (9, 3)
    with pytest.raises(ValueError, match="ncols"):
        plots.figure(0)


# --------------------------------------------------------------------------- saving
def _draw_something():
    fig, ax = plots.figure()
    plots.plot_costs({"gd": fake_history("gd").costs, "adam": fake_history("adam", seed=1)},
                     ax=ax, title="costs")
    return fig


def test_save_figure_is_byte_identical_for_identical_figures(tmp_path):
    first = plots.save_figure(_draw_something(), tmp_path / "a.png")
    second = plots.save_figure(_draw_something(), tmp_path / "sub" / "b.png")
    content = first.read_bytes()
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    assert content == second.read_bytes()
    assert b"Software" not in content and b"matplotlib" not in content.lower()


def test_save_figure_rejects_other_formats(tmp_path):
    with pytest.raises(ValueError, match=r"\.png"):
        plots.save_figure(_draw_something(), tmp_path / "a.pdf")


# --------------------------------------------------------------------------- data and boundary
def test_scatter_classes_draws_both_classes_in_their_colours():
    X, Y, _, _ = data.load_moons()
    ax = plots.scatter_classes(X, Y, title="moons")
    assert ax.get_title() == "moons"
    assert len(ax.collections) == 2
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes == [int((Y == 0).sum()), int((Y == 1).sum())]
    assert to_hex(ax.collections[0].get_facecolor()[0]) == plots.COLORS["class0"].lower()
    assert to_hex(ax.collections[1].get_facecolor()[0]) == plots.COLORS["class1"].lower()


def test_scatter_classes_names_bad_shapes():
    X, Y, _, _ = data.load_moons()
    with pytest.raises(ValueError, match=r"\(2, m\).*\(300, 2\).*X\.T"):
        plots.scatter_classes(X.T, Y)
    with pytest.raises(ValueError, match=r"\(1, 300\).*\(1, 299\)"):
        plots.scatter_classes(X, Y[:, :-1])


def test_plot_moons_uses_the_course_scatter():
    X, Y, _, _ = data.load_moons()
    ax = data.plot_moons(X, Y)
    assert ax.get_title() == "Two moons"


def test_decision_boundary_from_parameters_reports_the_accuracy():
    X, Y, _, _ = data.load_moons()
    parameters = network.initialize_parameters_he()
    ax = plots.plot_decision_boundary(parameters, X, Y, resolution=60)
    accuracy = network.accuracy(X, Y, parameters)
    assert f"train accuracy {accuracy:.1%}" in ax.get_title()
    assert len(ax.collections) >= 3  # regions + the two classes


def test_decision_boundary_from_a_callable_draws_the_boundary_line():
    X, Y, _, _ = data.load_moons()

    def predict(points):
        return (points[1:2] < 0.25).astype(int)  # a horizontal boundary, shape (1, k)

    ax = plots.plot_decision_boundary(predict, X, Y, title="a line", resolution=40,
                                      split="test")
    assert ax.get_title() == "a line"
    ax = plots.plot_decision_boundary(lambda p: predict(p).ravel(), X, Y, resolution=40)
    expected = np.mean(predict(X) == Y)
    assert f"accuracy {expected:.1%}" in ax.get_title()


def test_decision_boundary_names_bad_models():
    X, Y, _, _ = data.load_moons()
    with pytest.raises(ValueError, match=r"returned shape \(2, 1600\).*\(1, 1600\)"):
        plots.plot_decision_boundary(lambda p: np.zeros((2, p.shape[1])), X, Y, resolution=40)
    with pytest.raises(ValueError, match="parameters dict"):
        plots.plot_decision_boundary(42, X, Y)
    with pytest.raises(ValueError, match="W1, b1"):
        plots.plot_decision_boundary({"W1": np.zeros((5, 2))}, X, Y, resolution=10)


# --------------------------------------------------------------------------- curves
def _line_colours(ax):
    return [to_hex(line.get_color()) for line in ax.get_lines()]


def test_plot_costs_colours_each_run_by_its_method():
    runs = {"gd": fake_history("gd"), "momentum": fake_history("m", seed=1),
            "adam, lr 0.01": fake_history("a", seed=2)}
    ax = plots.plot_costs(runs, title="three runs")
    assert _line_colours(ax) == [plots.COLORS[k].lower() for k in ("gd", "momentum", "adam")]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(runs)
    assert ax.get_xlabel() == "epoch"
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(50))


def test_plot_costs_accepts_lists_arrays_seconds_log_and_smoothing():
    runs = [fake_history("gd"), fake_history("adam", seed=1)]
    ax = plots.plot_costs(runs, x="seconds", log=True)
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel().startswith("wall-clock")
    np.testing.assert_allclose(ax.get_lines()[1].get_xdata(), runs[1].elapsed)
    ax = plots.plot_costs({"sgd": np.linspace(1, 0.1, 30)}, smooth=5)
    assert len(ax.get_lines()) == 2  # faint raw curve and the smoothed one
    ax = plots.plot_costs(fake_history("rmsprop"), smooth=0.9)
    assert _line_colours(ax)[-1] == plots.COLORS["rmsprop"].lower()


def test_runs_sharing_a_colour_get_different_line_styles():
    runs = {"adam, lr 0.01": fake_history("a"), "adam, lr 0.001": fake_history("b", seed=1)}
    ax = plots.plot_costs(runs)
    lines = ax.get_lines()
    assert lines[0].get_color() == lines[1].get_color()
    assert lines[0].get_linestyle() != lines[1].get_linestyle()


def test_a_curve_that_would_hide_another_is_dashed():
    same = fake_history("gd").costs
    ax = plots.plot_costs({"gd": same, "momentum": same * 1.001, "adam": same * 0.5})
    assert [line.get_linestyle() for line in ax.get_lines()] == ["-", "--", "-"]


def test_plot_costs_names_bad_input():
    with pytest.raises(ValueError, match="seconds"):
        plots.plot_costs({"gd": np.ones(5)}, x="seconds")
    with pytest.raises(ValueError, match=r"'gd'.*1-D.*\(5, 2\)"):
        plots.plot_costs({"gd": np.ones((5, 2))})
    with pytest.raises(ValueError, match="x must be"):
        plots.plot_costs({"gd": np.ones(5)}, x="steps")
    with pytest.raises(ValueError, match="empty"):
        plots.plot_costs({})
    with pytest.raises(ValueError, match="History"):
        plots.plot_costs([np.ones(5)])


def test_smooth_curve_window_and_ema():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(plots.smooth_curve(values, 1), values)
    np.testing.assert_allclose(plots.smooth_curve(values, 2), [1.0, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(plots.smooth_curve(np.full(10, 3.0), 0.9), 3.0)  # bias-corrected
    with pytest.raises(ValueError, match="window"):
        plots.smooth_curve(values, 0)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        plots.smooth_curve(values, 1.5)


def test_plot_learning_rates_draws_steps():
    epochs = np.arange(3000)
    schedules = {"gd + update_lr": 0.1 / (1 + epochs),
                 "gd + schedule_lr_decay": 0.1 / (1 + np.floor(epochs / 1000)),
                 "adam": fake_history("adam", n=3000)}
    ax = plots.plot_learning_rates(schedules, log=True, title="schedules")
    assert len(ax.get_lines()) == 3
    assert all(line.get_drawstyle() == "steps-post" for line in ax.get_lines())
    assert ax.get_ylabel() == "learning rate"
    with pytest.raises(ValueError, match="dict"):
        plots.plot_learning_rates([0.1, 0.01])


# --------------------------------------------------------------------------- trajectories
def test_plot_trajectories_draws_paths_start_and_minimum():
    surface = surfaces.SURFACES["bowl"]
    paths = {"gd": np.array([[-4.0, 1.5], [-3.0, 0.5], [-2.0, 0.1]]),
             "momentum": np.array([[-4.0, 1.5], [-3.5, 1.0]])}
    ax = plots.plot_trajectories(surface, paths)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["gd", "momentum", "start", "minimum"]
    assert ax.get_xlim() == surface.xlim and ax.get_ylim() == surface.ylim
    assert _line_colours(ax)[:2] == [plots.COLORS["gd"].lower(), plots.COLORS["momentum"].lower()]


def test_plot_trajectories_on_every_surface_and_saddle_marker():
    for name, surface in surfaces.SURFACES.items():
        ax = plots.plot_trajectories(surface, surface.start[None, :], title=name, levels=12)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert ("saddle point" in labels) == (name == "saddle")
        assert ("minimum" in labels) == (name != "saddle")


def test_plot_trajectories_names_bad_paths():
    surface = surfaces.SURFACES["bowl"]
    with pytest.raises(ValueError, match=r"'gd'.*\(k, 2\).*\(2, 3\)"):
        plots.plot_trajectories(surface, {"gd": np.zeros((2, 3))})
    with pytest.raises(ValueError, match="dict"):
        plots.plot_trajectories(surface, [np.zeros((3, 2))])


# --------------------------------------------------------------------------- figures in Chinese
# (restore_language: tests/conftest.py)


def _texts_figure():
    """One figure with a title, axis labels, a legend, an annotation and a surface's maths."""
    fig, (left, right) = plt.subplots(1, 2)
    plots.plot_costs({"gd, lr 0.1": fake_history("gd"),
                      "momentum 0.9, lr 0.5": fake_history("momentum", seed=1)},
                     ax=left, title="cost after each epoch")
    left.annotate("start", (0, 0.7))
    surface = surfaces.SURFACES["bowl"]
    plots.plot_trajectories(surface, {"gd": np.array([[-4.0, 1.5], [-3.0, 0.5]])}, ax=right)
    return fig


def _drawn_strings(fig):
    """The strings the Agg renderer is asked to draw when ``fig`` is drawn."""
    from matplotlib.backends.backend_agg import RendererAgg

    drawn, draw_text = [], RendererAgg.draw_text

    def recording(self, gc, x, y, s, *args, **kwargs):
        drawn.append(s)
        return draw_text(self, gc, x, y, s, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RendererAgg, "draw_text", recording)
        fig.canvas.draw()
    return drawn


def _png(fig) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def test_zh_figures_draw_their_titles_labels_and_legends_in_chinese(restore_language):
    plots.use_language("zh-CN")
    fig = _texts_figure()
    drawn = _drawn_strings(fig)
    for chinese in ("每轮之后的代价", "轮", "代价", "gd，学习率 0.1", "动量 0.9，学习率 0.5",
                    "起点", "最小值"):
        assert chinese in drawn, (chinese, drawn)
    # a line with maths is translated around its maths (drawn with the Chinese font first)
    assert surfaces.SURFACES["bowl"].title.replace("bowl", "碗形函数") in drawn, drawn
    assert not {"cost after each epoch", "epoch", "cost", "start", "minimum",
                "gd, lr 0.1"} & set(drawn)
    left = fig.axes[0]  # the artists keep the notebook's English strings
    assert left.get_title() == "cost after each epoch" and left.get_xlabel() == "epoch"
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["gd, lr 0.1",
                                                                    "momentum 0.9, lr 0.5"]
    assert plots.DRAWN_TEXTS["gd, lr {0}"] is True and plots.DRAWN_TEXTS["gd"] is False
    # a text is measured as the Chinese it draws (legend frames and tight layouts fit it)
    label = left.get_legend().get_texts()[1]
    same = fig.text(0, 0, "动量 0.9，学习率 0.5", fontproperties=label.get_fontproperties())
    renderer = fig.canvas.get_renderer()
    assert label.get_window_extent(renderer).width == pytest.approx(
        same.get_window_extent(renderer).width)


def test_english_figures_are_byte_identical_after_a_zh_figure(restore_language):
    before = _png(_texts_figure())
    plots.use_language("zh-CN")
    chinese = _png(_texts_figure())
    plots.use_language("en")
    after = _png(_texts_figure())
    assert after == before
    assert chinese != before
    from matplotlib.text import Text

    assert not hasattr(Text._get_wrapped_text, "translates_figure_text")


def test_figure_text_is_translated_by_its_shape_and_leaves_numbers_and_maths():
    from helpers import language

    assert language.figure_shape("momentum 0.9, lr 0.5") == ("momentum {0}, lr {1}",
                                                               ["0.9", "0.5"])
    assert language.figure_shape("beta1 = 1e-3") == ("beta1 = {0}", ["1e-3"])  # a word's digit
    assert language.figure_text("gd, lr 0.05", "zh-CN") == "gd，学习率 0.05"
    assert language.figure_text("gd, lr 0.05\ncost", "zh-CN") == "gd，学习率 0.05\n代价"
    assert language.figure_text("gd, lr 0.05", "en") == "gd, lr 0.05"
    assert language.figure_text("cost $J$", "zh-CN") == "代价 $J$"  # the maths is a hole
    for unchanged in ("0.5", "−1.5", r"$\mathdefault{10^{-3}}$", "gd", "no such entry 3",
                      "{x} cost", "", "no such entry $J$"):
        assert language.figure_text(unchanged, "zh-CN") == unchanged


def test_every_figure_text_has_a_chinese_entry_with_the_same_holes():
    from helpers import language

    hole = re.compile(r"\{\d+\}")
    chinese = language.catalogue("zh-CN")
    assert len(plots.FIGURE_TEXTS) == len(set(plots.FIGURE_TEXTS))
    for shape in plots.FIGURE_TEXTS:
        translated = chinese.gettext(shape)
        assert translated != shape and re.search(r"[\u4e00-\u9fff]", translated), shape
        assert sorted(hole.findall(translated)) == sorted(hole.findall(shape)), shape
        assert "\n" not in translated, shape  # translated line by line
