"""The two-moons data set the course trains on.

The training split is the classic one learners of this material know::

    np.random.seed(3)
    X, y = sklearn.datasets.make_moons(n_samples=300, noise=0.2)

stored column-major: ``X_train`` has shape ``(2, 300)`` and ``Y_train`` shape ``(1, 300)``.
The test split is drawn from the same distribution with seed 4. ``python -m helpers.data``
regenerates ``datasets/moons.npz`` bit for bit (see ``datasets/README.md``).

The data file is found in the repository's ``datasets/`` (its one source) or, in the student
package (``make student-package``), inside the installed package as ``helpers/datasets/``, where
the build copies it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np

#: The one source of the data: the repository's ``datasets/moons.npz``.
DATASET_PATH = Path(__file__).resolve().parent.parent / "datasets" / "moons.npz"


def packaged_dataset():
    """The copy inside an installed student package (``helpers/datasets/moons.npz``)."""
    return resources.files("helpers").joinpath("datasets", "moons.npz")


def dataset_path():
    """Where ``moons.npz`` is: the repository's ``datasets/``, else the installed package's copy.

    Raises ``FileNotFoundError`` naming both places when neither holds it.
    """
    if DATASET_PATH.is_file():
        return DATASET_PATH
    packaged = packaged_dataset()
    if packaged.is_file():
        return packaged
    raise FileNotFoundError(f"moons.npz is neither in {DATASET_PATH.parent} (a checkout) "
                            f"nor in {packaged} (the student package); regenerate it with "
                            "python -m helpers.data")


TRAIN_SEED = 3
TEST_SEED = 4
N_SAMPLES = 300
NOISE = 0.2


def make_moons_split(seed: int, n_samples: int = N_SAMPLES, noise: float = NOISE):
    """Draw one split of two moons, the classic way (global seed, then ``make_moons``).

    Returns
    -------
    X : ndarray of shape (2, n_samples), float64
    Y : ndarray of shape (1, n_samples), int64 labels in {0, 1}
    """
    from sklearn.datasets import make_moons

    np.random.seed(seed)
    X, y = make_moons(n_samples=n_samples, noise=noise)
    return X.T.copy(), y.reshape(1, -1).astype(np.int64)


def build_arrays() -> dict[str, np.ndarray]:
    """All arrays of ``moons.npz``: ``X_train (2, 300)``, ``Y_train (1, 300)``, same for test."""
    X_train, Y_train = make_moons_split(TRAIN_SEED)
    X_test, Y_test = make_moons_split(TEST_SEED)
    return {"X_train": X_train, "Y_train": Y_train, "X_test": X_test, "Y_test": Y_test}


def write_npz(path: Path | str, arrays: dict[str, np.ndarray]) -> str:
    """Write ``arrays`` as an ``.npz`` that is byte-identical for identical arrays.

    ``np.savez`` stamps the current time into the zip headers, so two runs never match;
    here every member gets a fixed timestamp. Returns the file's SHA-256.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    data = buffer.getvalue()
    Path(path).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def load_moons(path: Path | str | None = None):
    """Load the course's two-moons splits.

    Returns
    -------
    X_train : ndarray of shape (2, 300)
    Y_train : ndarray of shape (1, 300), labels in {0, 1}
    X_test : ndarray of shape (2, 300)
    Y_test : ndarray of shape (1, 300)
    """
    source = dataset_path() if path is None else Path(path)
    with source.open("rb") as file, np.load(file, allow_pickle=False) as data:
        return data["X_train"], data["Y_train"], data["X_test"], data["Y_test"]


#: scikit-learn's 8x8 digits, as the course ships them (``datasets/digits.npz``): the package
#: and the student's kernel need no scikit-learn to load them.
DIGITS_PATH = DATASET_PATH.parent / "digits.npz"


def build_digits_arrays() -> dict[str, np.ndarray]:
    """The arrays of ``digits.npz``, from scikit-learn's bundled copy (nothing is downloaded).

    ``images (64, 1797)`` uint8 pixel intensities 0..16, one image per column, in scikit-learn's
    order; ``digits (1797,)`` uint8, the digit each image shows.
    """
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    return {"images": bunch.data.T.astype(np.uint8), "digits": bunch.target.astype(np.uint8)}


def digits_path():
    """Where ``digits.npz`` is: the checkout's ``datasets/``, else the installed package's copy."""
    if DIGITS_PATH.is_file():
        return DIGITS_PATH
    packaged = resources.files("helpers").joinpath("datasets", "digits.npz")
    if packaged.is_file():
        return packaged
    raise FileNotFoundError(f"digits.npz is neither in {DIGITS_PATH.parent} (a checkout) "
                            f"nor in {packaged} (the student package); regenerate it with "
                            "python -m helpers.data")


def load_digits(n_train: int = 1000, seed: int = 0):
    """Load the 8x8 handwritten digits as a binary task with a held-out split.

    The 1797 images are scikit-learn's, shipped by the course in ``datasets/digits.npz``. Each
    image becomes one column of 64 pixel intensities scaled from 0..16 to [0, 1]; the label is 1
    for the digits 5 to 9 and 0 for the digits 0 to 4. The examples are shuffled with a fixed
    seed, so the split is the same on every call and every machine; the first `n_train` columns
    are the training set.

    Returns
    -------
    X_train : ndarray of shape (64, n_train)
    Y_train : ndarray of shape (1, n_train), labels in {0, 1}
    X_test : ndarray of shape (64, 1797 - n_train)
    Y_test : ndarray of shape (1, 1797 - n_train)
    """
    with digits_path().open("rb") as file, np.load(file, allow_pickle=False) as data:
        images, digits = data["images"], data["digits"]
    X = images / 16.0
    Y = (digits >= 5).astype(np.float64).reshape(1, -1)
    order = np.random.default_rng(seed).permutation(X.shape[1])
    X, Y = X[:, order], Y[:, order]
    return X[:, :n_train], Y[:, :n_train], X[:, n_train:], Y[:, n_train:]


def plot_moons(X, Y, ax=None, title="Two moons", **scatter_kwargs):
    """Scatter plot of one split, coloured by label.

    X : ndarray of shape (2, m); Y : ndarray of shape (1, m). Returns the axes.
    """
    from helpers import plots

    return plots.scatter_classes(X, Y, ax=ax, title=title, **scatter_kwargs)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description="Regenerate the course's moons.npz (and digits.npz beside it) bit for bit.")
    parser.add_argument("output", nargs="?", default=str(DATASET_PATH))
    args = parser.parse_args(argv)
    digest = write_npz(args.output, build_arrays())
    print(f"wrote {args.output}  sha256 {digest}")
    digits = Path(args.output).with_name("digits.npz")
    digest = write_npz(digits, build_digits_arrays())
    print(f"wrote {digits}  sha256 {digest}")


if __name__ == "__main__":
    main()
