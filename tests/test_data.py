"""The shipped two-moons data: the classic training set, a held-out test set, bit-for-bit."""

import hashlib

import numpy as np

from helpers import data


def test_training_set_is_the_classic_one():
    X, Y, X_test, Y_test = data.load_moons()
    assert X.shape == (2, 300) and Y.shape == (1, 300)
    assert X_test.shape == (2, 300) and Y_test.shape == (1, 300)
    np.testing.assert_allclose(X[:, 0], [-0.21687, 1.015449], atol=5e-6)
    np.testing.assert_allclose(X[:, 1], [0.80505, -0.557973], atol=5e-6)
    assert set(np.unique(Y)) == {0, 1} and Y.sum() == 150


def test_test_set_is_a_different_draw_of_the_same_distribution():
    X, Y, X_test, Y_test = data.load_moons()
    assert not np.allclose(X, X_test)
    assert Y_test.sum() == 150
    # Same distribution: the class means agree to within sampling noise.
    for label in (0, 1):
        np.testing.assert_allclose(X[:, Y[0] == label].mean(axis=1),
                                   X_test[:, Y_test[0] == label].mean(axis=1), atol=0.1)


def test_regenerating_gives_the_same_bytes(tmp_path):
    shipped = hashlib.sha256(data.DATASET_PATH.read_bytes()).hexdigest()
    data.main([str(tmp_path / "moons.npz")])
    assert hashlib.sha256((tmp_path / "moons.npz").read_bytes()).hexdigest() == shipped


def test_datasets_readme_states_the_checksum():
    readme = (data.DATASET_PATH.parent / "README.md").read_text()
    assert hashlib.sha256(data.DATASET_PATH.read_bytes()).hexdigest() in readme
    assert "python -m helpers.data" in readme


def test_installed_copy_is_used_when_there_is_no_checkout(tmp_path, monkeypatch):
    """In the student package there is no datasets/ folder: the copy inside helpers/ is read
    (the installed wheel itself is exercised in test_student_package.py)."""
    copy = tmp_path / "helpers" / "datasets" / "moons.npz"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(data.DATASET_PATH.read_bytes())
    expected = data.load_moons()
    monkeypatch.setattr(data, "DATASET_PATH", tmp_path / "no-checkout" / "moons.npz")
    monkeypatch.setattr(data, "packaged_dataset", lambda: copy)
    assert data.dataset_path() == copy
    for got, want in zip(data.load_moons(), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_missing_data_names_both_places(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DATASET_PATH", tmp_path / "datasets" / "moons.npz")
    monkeypatch.setattr(data, "packaged_dataset", lambda: tmp_path / "pkg" / "moons.npz")
    try:
        data.load_moons()
    except FileNotFoundError as error:
        message = str(error)
    else:
        raise AssertionError("load_moons found data that is not there")
    assert str(tmp_path / "datasets") in message and str(tmp_path / "pkg") in message
    assert "python -m helpers.data" in message


def test_digits_are_a_deterministic_binary_split_with_examples_as_columns():
    X_train, Y_train, X_test, Y_test = data.load_digits()
    assert X_train.shape == (64, 1000) and Y_train.shape == (1, 1000)
    assert X_test.shape == (64, 797) and Y_test.shape == (1, 797)
    assert X_train.min() >= 0.0 and X_train.max() <= 1.0
    assert set(np.unique(np.concatenate([Y_train, Y_test], axis=1))) == {0.0, 1.0}
    # both classes appear in both splits, roughly half and half (0-4 against 5-9)
    assert 0.4 < Y_train.mean() < 0.6 and 0.4 < Y_test.mean() < 0.6
    again = data.load_digits()
    for first, second in zip((X_train, Y_train, X_test, Y_test), again, strict=True):
        np.testing.assert_array_equal(first, second)
    # the seed really picks the split
    other_seed = data.load_digits(seed=1)
    assert not np.array_equal(other_seed[0], X_train)


def test_shipped_digits_are_scikit_learns_bit_for_bit(tmp_path):
    """datasets/digits.npz holds scikit-learn's bundled digits (so a student's kernel needs no
    scikit-learn), rewritten to the same bytes; its checksum is the one the README states."""
    rebuilt = tmp_path / "digits.npz"
    digest = data.write_npz(rebuilt, data.build_digits_arrays())
    assert digest == hashlib.sha256(data.DIGITS_PATH.read_bytes()).hexdigest()
    assert digest in (data.DIGITS_PATH.parent / "README.md").read_text()


def test_load_digits_needs_no_scikit_learn(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "sklearn", None)  # any import of it now fails
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    X_train, *_ = data.load_digits()
    assert X_train.shape == (64, 1000)
