"""The checks: correct variants pass, each listed mistake fails with its own message."""

from __future__ import annotations

import importlib.util
import linecache
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import FUNCTIONS, CheckFailed, cases_for, check
from autograder.checks.mistakes import CATALOGUE
from autograder.publish.masters import master_for_function, reference_function

# Wrong learner code may take square roots of negative numbers; that is its business.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"fixture_{name}", FIXTURES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CORRECT = _load("correct_answers").CORRECT
WRONG = _load("wrong_answers").WRONG


def define(name, source):
    """Define the learner's function as a notebook cell would (its lines known to linecache)."""
    namespace = {"np": np}
    filename = f"<learner {name} {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def run_all(name, fn):
    """Visible then hidden, like the test cell; returns the CheckFailed or None."""
    try:
        check(name, fn)
        check(name, fn, hidden=True)
    except CheckFailed as failure:
        return failure
    return None


@pytest.mark.parametrize("name", FUNCTIONS)
def test_master_solution_passes_its_own_checks(name, capsys):
    assert run_all(name, reference_function(name)) is None
    out = capsys.readouterr().out
    assert f"{name}: all" in out or f"{name}: the check passed" in out


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_has_visible_and_hidden_cases(name):
    assert cases_for(name, hidden=False) and cases_for(name, hidden=True)
    assert len(cases_for(name)) == len(cases_for(name, False)) + len(cases_for(name, True))


def test_reference_is_the_masters_solution_cell():
    m = master_for_function("update_parameters_with_adam")
    assert m.assignment == "05_adam"
    assert "### BEGIN SOLUTION" in m.solutions["update_parameters_with_adam"]
    assert m.points == {"initialize_adam": 4.0, "update_parameters_with_adam": 6.0}


@pytest.mark.parametrize("name,label,source", CORRECT, ids=[f"{n}:{lbl}" for n, lbl, _ in CORRECT])
def test_correct_variants_pass(name, label, source):
    failure = run_all(name, define(name, source))
    assert failure is None, str(failure)


def test_every_graded_function_has_correct_variants():
    assert {n for n, _, _ in CORRECT} == set(FUNCTIONS)


@pytest.mark.parametrize("name,mistake,text,source", WRONG,
                         ids=[f"{n}:{m or t[:30]}" for n, m, t, _ in WRONG])
def test_learner_mistakes_are_named(name, mistake, text, source):
    failure = run_all(name, define(name, source))
    assert failure is not None, f"{name} with mistake {mistake or text!r} passed"
    message = str(failure)
    assert text in message, message
    if mistake is not None:
        assert failure.feedback.mistake == mistake, message
    # every message says what was tried, and gives a hint (the stub message excepted)
    if "not attempted" not in message:
        assert "Tried:" in message and "Hint:" in message, message


CATALOGUE_ITEMS = [(name, m) for name, ms in CATALOGUE.items() for m in ms]


@pytest.mark.parametrize("name,mistake", CATALOGUE_ITEMS,
                         ids=[f"{n}:{m.id}" for n, m in CATALOGUE_ITEMS])
def test_catalogue_variants_are_recognised(name, mistake):
    failure = run_all(name, mistake.fn)
    assert failure is not None
    assert failure.feedback.mistake == mistake.id, str(failure)
    assert mistake.title in str(failure)


def test_message_structure_for_epsilon_inside_the_root():
    source = [s for n, m, _, s in WRONG if m == "eps_inside_sqrt" and "adam" in n][0]
    message = str(run_all("update_parameters_with_adam",
                          define("update_parameters_with_adam", source)))
    lines = message.splitlines()
    assert lines[0].startswith("update_parameters_with_adam: epsilon is inside the square root")
    assert lines[1].lstrip().startswith("Tried:") and "epsilon=0.01" in lines[1]
    assert lines[2].lstrip().startswith("Expected:") and lines[3].lstrip().startswith("Got:")
    assert "What this usually means" in message and "Hint:" in message
    assert "sqrt(s) + epsilon" in message


def test_keyerror_message_shows_the_learners_line():
    source = WRONG[0][3]
    message = str(run_all("update_parameters_with_momentum",
                          define("update_parameters_with_momentum", source)))
    assert "KeyError: 'dW4'" in message
    assert 'v["dW" + str(l + 1)]' in message
    assert "l runs over 1..L but you index l + 1" in message


def test_stub_is_not_attempted():
    def update_lr(learning_rate0, epoch_num, decay_rate):
        raise NotImplementedError()
    with pytest.raises(CheckFailed, match="not attempted yet"):
        check("update_lr", update_lr)


def test_check_failed_is_an_assertion_error():
    assert issubclass(CheckFailed, AssertionError)


def test_pass_line_is_short(capsys):
    check("update_lr", reference_function("update_lr"))
    assert capsys.readouterr().out == "update_lr: all 2 checks passed.\n"


def test_unknown_function_and_non_callable():
    with pytest.raises(ValueError):
        check("no_such_function", print)
    with pytest.raises(CheckFailed, match="expected a function"):
        check("update_lr", 3)


def test_fake_array_whose_eq_is_always_true_fails():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(self), dtype=bool)

    def update_parameters_with_gd(parameters, grads, learning_rate):
        return {k: np.zeros_like(p).view(Liar) for k, p in parameters.items()}

    failure = run_all("update_parameters_with_gd", update_parameters_with_gd)
    assert failure is not None and "Expected:" in str(failure)


def test_checks_do_not_mutate_between_calls():
    """The check must give the same verdict twice (its inputs are rebuilt each time)."""
    def update_parameters_with_gd(parameters, grads, learning_rate):
        for k in parameters:
            parameters[k] -= learning_rate * grads["d" + k]
        return parameters
    assert run_all("update_parameters_with_gd", update_parameters_with_gd) is None
    assert run_all("update_parameters_with_gd", update_parameters_with_gd) is None


def test_exception_in_later_call_names_the_call():
    reference = reference_function("update_parameters_with_adam")

    def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                    beta2=0.999, epsilon=1e-8):
        if t == 2:
            raise ValueError("boom")
        return reference(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
    message = str(run_all("update_parameters_with_adam", update_parameters_with_adam))
    assert "on call 2 (t = 2), ValueError: boom" in message


def test_minibatch_check_leaves_the_global_random_state_alone():
    np.random.seed(2024)
    expected = np.random.rand(3)
    np.random.seed(2024)
    check("random_mini_batches", reference_function("random_mini_batches"))
    assert np.array_equal(np.random.rand(3), expected)
