"""The conda environment and the pip install declare the same dependencies."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def normalise(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def pip_dependencies() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(normalise(r) for r in project["dependencies"])


def conda_dependencies() -> dict[str, str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("dependencies:")
    deps = {}
    for line in lines[start + 1:]:
        match = re.match(r"\s+-\s+(.+)", line)
        if not match:
            break
        name, spec = normalise(match.group(1))
        if name not in ("python", "pip"):
            deps[name] = spec
    return deps


# Development tools the conda environment also carries (pyproject's extra "dev").
CONDA_DEV = ("babel",)


def dev_dependencies() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(normalise(r.split("#")[0]) for r in project["optional-dependencies"]["dev"])


def test_environment_yml_and_pyproject_agree():
    conda = conda_dependencies()
    dev = dev_dependencies()
    for name in CONDA_DEV:
        assert conda.pop(name) == dev[name], name
    assert conda == pip_dependencies()


def test_environment_is_named_and_pins_python():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^name: optim-course$", text, re.M)
    python = re.search(r"-\s+python(.*)", text).group(1).replace(" ", "")
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python == requires


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
