"""How well the check diagnoses learners' code: the catalogue in ``tests/fixtures/learners/``.

Every variant of the catalogue (one graded function written the way a learner writes it, with a
label: a mistake id from the shared vocabulary, two ids joined by ``+``, ``caught`` for a wrong
variant whose mistake has no id, or ``correct``) goes through the local check's own code: the
released notebook with the variant in its solution cell is graded by
:func:`autograder.localcheck.command.grade_notebooks`, which is what ``python -m autograder
check --json`` runs (a child process per function, visible and hidden cases, the judge in the
parent). The ``mistake`` compared with the label is the JSON's ``mistake``.

Printed per function and overall:
- variants (wrong + correct), wrong variants caught (the check fails them),
- named: the reported id is exactly the label (``caught`` variants are never "named"),
- misnamed: an id was reported, but not the label (for a ``caught`` variant: any id); of
  these, partial: the id is one of the two ids of a combined label (half the diagnosis),
- correct accepted (the check passes them),
- median check time per variant (the child's wall time plus the judging; children run
  ``--jobs`` at a time, so on a loaded machine this is an upper figure).

    python benchmarks/diagnosis.py                 # a table
    python benchmarks/diagnosis.py --json          # JSON: {"functions": [...], "overall": {...}}
    python benchmarks/diagnosis.py --details       # also one line per variant that is not right
    python benchmarks/diagnosis.py --in-process    # the command's judging API, no children
    PYTHONPATH=/path/to/other/worktree python benchmarks/diagnosis.py   # another engine

Catalogue format: ``tests/fixtures/learners/<prefix>.py`` (the prefix of the mistake ids:
``adam.py`` holds ``update_parameters_with_adam`` variants). A variant starts at a line
``# === <variant name>`` and its next line is ``# expect: <label>``; the rest, up to the next
marker, is the solution cell's source.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LEARNERS = REPO / "tests" / "fixtures" / "learners"
if str(REPO) not in sys.path and not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(REPO))

PREFIXES = {
    "gd": "update_parameters_with_gd",
    "minibatches": "random_mini_batches",
    "init-velocity": "initialize_velocity",
    "momentum": "update_parameters_with_momentum",
    "init-rmsprop": "initialize_rmsprop",
    "rmsprop": "update_parameters_with_rmsprop",
    "init-adam": "initialize_adam",
    "adam": "update_parameters_with_adam",
    "update-lr": "update_lr",
    "schedule-lr": "schedule_lr_decay",
    "nesterov": "update_parameters_with_nesterov",
    "adamw": "update_parameters_with_adamw",
    "warmup-cosine": "warmup_cosine_lr",
}
ASSIGNMENT = {
    "update_parameters_with_gd": "01_gradient_descent",
    "random_mini_batches": "02_minibatches",
    "initialize_velocity": "03_momentum",
    "update_parameters_with_momentum": "03_momentum",
    "initialize_rmsprop": "04_rmsprop",
    "update_parameters_with_rmsprop": "04_rmsprop",
    "initialize_adam": "05_adam",
    "update_parameters_with_adam": "05_adam",
    "update_lr": "06_learning_rate_decay",
    "schedule_lr_decay": "06_learning_rate_decay",
    "update_parameters_with_nesterov": "08_beyond_adam",
    "update_parameters_with_adamw": "08_beyond_adam",
    "warmup_cosine_lr": "08_beyond_adam",
}
MARKER = re.compile(r"^# === (?P<name>\S.*?)\s*$")
EXPECT = re.compile(r"^# expect: (?P<label>\S+)\s*$")
ID = re.compile(r"^[a-z-]+/[a-z0-9-]+$")


@dataclass
class Variant:
    function: str
    name: str           # "<file stem>:<variant name>"
    label: str          # "correct", "caught", an id, or "id+id"
    source: str
    line: int           # where the marker is, for messages

    @property
    def wrong(self) -> bool:
        return self.label != "correct"


@dataclass
class Outcome:
    variant: Variant
    passed: bool
    mistake: str | None
    feedback: str
    seconds: float

    @property
    def named(self) -> bool:
        return self.variant.label not in ("correct", "caught") and self.mistake == \
            self.variant.label

    @property
    def misnamed(self) -> bool:
        return self.variant.wrong and self.mistake is not None and not self.named

    @property
    def partial(self) -> bool:
        """Misnamed, but the id is one of the two of a combined label (half the diagnosis)."""
        return self.misnamed and "+" in self.variant.label and \
            self.mistake in self.variant.label.split("+")


@dataclass
class Row:
    function: str
    variants: int = 0
    wrong: int = 0
    caught: int = 0
    with_id: int = 0        # wrong variants whose label is an id (can be named)
    named: int = 0
    misnamed: int = 0
    partial: int = 0        # of the misnamed: one id of a combined label
    correct: int = 0
    accepted: int = 0
    seconds: list = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        self.variants += 1
        self.seconds.append(o.seconds)
        if o.variant.wrong:
            self.wrong += 1
            self.caught += not o.passed
            self.with_id += o.variant.label != "caught"
            self.named += o.named
            self.misnamed += o.misnamed
            self.partial += o.partial
        else:
            self.correct += 1
            self.accepted += o.passed

    def as_json(self) -> dict:
        return {"function": self.function, "variants": self.variants, "wrong": self.wrong,
                "caught": self.caught, "with_id": self.with_id, "named": self.named,
                "misnamed": self.misnamed, "partial": self.partial, "correct": self.correct,
                "accepted": self.accepted,
                "median_seconds": round(statistics.median(self.seconds), 4)
                if self.seconds else None}


# ----------------------------------------------------------------------------- catalogue
def _check_label(label: str, prefix: str, where: str) -> None:
    if label in ("correct", "caught"):
        return
    parts = label.split("+")
    if len(parts) > 2 or not all(ID.match(p) and p.split("/")[0] == prefix for p in parts):
        raise ValueError(f"{where}: bad label {label!r} (expected 'correct', 'caught', "
                         f"'{prefix}/<slug>' or two such ids joined by '+')")


def load_catalogue(folder: Path = LEARNERS) -> list[Variant]:
    """Every variant of every ``<prefix>.py`` of ``folder``, in file order."""
    out: list[Variant] = []
    for path in sorted(folder.glob("*.py")):
        prefix = path.stem
        if prefix.startswith("_"):
            continue
        if prefix not in PREFIXES:
            raise ValueError(f"{path}: not a function prefix ({', '.join(PREFIXES)})")
        lines = path.read_text(encoding="utf-8").splitlines()
        starts = [i for i, line in enumerate(lines) if MARKER.match(line)]
        for k, i in enumerate(starts):
            where = f"{path.name}:{i + 1}"
            name = MARKER.match(lines[i]).group("name")
            m = EXPECT.match(lines[i + 1]) if i + 1 < len(lines) else None
            if m is None:
                raise ValueError(f"{where}: the line after '# === {name}' must be "
                                 "'# expect: <label>'")
            label = m.group("label")
            _check_label(label, prefix, where)
            end = starts[k + 1] if k + 1 < len(starts) else len(lines)
            source = "\n".join(lines[i + 2:end]).strip("\n") + "\n"
            if f"def {PREFIXES[prefix]}(" not in source:
                raise ValueError(f"{where}: variant {name!r} does not define "
                                 f"{PREFIXES[prefix]}")
            out.append(Variant(PREFIXES[prefix], f"{prefix}:{name}", label, source, i + 1))
    names = [v.name for v in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"variant names used twice: {', '.join(dupes)}")
    return out


# ----------------------------------------------------------------------------- judging
def variant_notebook(v: Variant) -> dict:
    """The released notebook of ``v``'s assignment with ``v`` in its function's solution cell
    and the assignment's other graded cells removed (they are then "missing" and cost no
    child, so only ``v`` is checked)."""
    from autograder import NOTEBOOKS_DIR
    from autograder.publish.masters import nbgrader_meta

    nb = json.loads((NOTEBOOKS_DIR / f"{ASSIGNMENT[v.function]}.ipynb").read_text("utf-8"))
    cells = []
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if cell.get("cell_type") == "code" and meta.get("solution") and meta.get("grade_id"):
            if meta["grade_id"] != v.function:
                continue
            cell = dict(cell, source=v.source)
        cells.append(cell)
    nb["cells"] = cells
    return nb


def judge_variants(variants: list[Variant], jobs: int | None = None,
                   timeout: float = 10.0) -> list[Outcome]:
    """Each variant through ``python -m autograder check``'s own code: a notebook per variant
    (:func:`variant_notebook`) graded by :func:`autograder.localcheck.command.grade_notebooks`
    (the master found by the file name, a child process runs the cell and probes the function
    on the visible and hidden cases, the parent judges). ``mistake`` is the JSON's
    ``mistake`` (the FunctionResult's). The time of a variant is the wall time of its
    ``grade_notebooks`` call (``jobs`` calls at a time), interpreter start-up excluded."""
    import contextlib
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from autograder.localcheck.command import grade_notebooks
    from autograder.localcheck.isolation import Limits, default_jobs

    limits = Limits.from_env(wall_seconds=timeout)
    with tempfile.TemporaryDirectory(prefix="diagnosis-") as tmp:
        paths = []
        for i, v in enumerate(variants):
            folder = Path(tmp) / f"{i:04d}"
            folder.mkdir()
            path = folder / f"{ASSIGNMENT[v.function]}.ipynb"
            path.write_text(json.dumps(variant_notebook(v)), encoding="utf-8")
            paths.append(path)

        def one(i: int) -> Outcome:
            v = variants[i]
            t0 = time.perf_counter()
            [(_shown, result)] = grade_notebooks([paths[i]], limits, 1)
            seconds = time.perf_counter() - t0
            if not hasattr(result, "functions"):
                raise RuntimeError(f"{v.name}: the check could not read its notebook: {result}")
            [fr] = [f for f in result.functions if f.name == v.function]
            mistake = getattr(fr, "mistake", None)
            return Outcome(v, bool(fr.passed), mistake if isinstance(mistake, str) else None,
                           fr.feedback, seconds)

        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the first variant of each function alone: the references (and the engine's
            # caches) are computed once, before the pool runs
            first = {}
            for i, v in enumerate(variants):
                first.setdefault(v.function, i)
            done = {i: one(i) for i in first.values()}
            rest = [i for i in range(len(variants)) if i not in done]
            with ThreadPoolExecutor(max_workers=jobs or default_jobs()) as pool:
                done.update(zip(rest, pool.map(one, rest), strict=True))
    return [done[i] for i in range(len(variants))]


def judge_in_process(variants: list[Variant]) -> list[Outcome]:
    """Each variant judged in this process with the command's own judging API: the cases the
    command uses (``command.cases_for``: visible and hidden), the references it computes first,
    :func:`autograder.checks.probe.run_case` for the learner's records and
    :func:`autograder.checks.judge_records` (the same judge); only the child process per
    variant is left out (about ten times faster; for tests)."""
    import contextlib
    import io

    from autograder.checks import judge_records, probe
    from autograder.localcheck import command
    from autograder.publish.masters import master

    setups = {a: master(a).setup for a in set(ASSIGNMENT.values())}
    judging: dict[str, tuple] = {}
    for v in variants:   # the references first, before any learner code, as the command does
        if v.function not in judging:
            cases = command.cases_for(v.function)
            judging[v.function] = (cases, command.judging_data(v.function, cases))
    out = []
    for v in variants:
        cases, data = judging[v.function]
        t0 = time.perf_counter()
        namespace = {"__name__": "__main__"}
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # as the command: learners' nan warnings
            exec(setups[ASSIGNMENT[v.function]], namespace)  # noqa: S102 - our own fixtures
            exec(compile(v.source, f"<your {v.function} cell>", "exec"), namespace)  # noqa: S102
            records = {c.id: probe.run_case(v.function, namespace[v.function], c)
                       for c in cases}
        passed, fb = judge_records(v.function, cases, records, *data)
        mistake = None if passed or fb is None else fb.mistake
        text = "" if fb is None else fb.text(v.function)
        out.append(Outcome(v, passed, mistake if isinstance(mistake, str) else None, text,
                           time.perf_counter() - t0))
    return out


def table(outcomes: list[Outcome]) -> tuple[list[Row], Row]:
    rows: dict[str, Row] = {f: Row(f) for f in PREFIXES.values()}
    total = Row("overall")
    for o in outcomes:
        rows[o.variant.function].add(o)
        total.add(o)
    return [r for r in rows.values() if r.variants], total


def problems(outcomes: list[Outcome]) -> list[str]:
    """One line per variant the engine gets wrong (not caught, rejected, misnamed, unnamed)."""
    out = []
    for o in outcomes:
        v = o.variant
        head = o.feedback.splitlines()[0] if o.feedback else ""
        if not v.wrong and not o.passed:
            out.append(f"REJECTED  {v.name}: {head}")
        elif v.wrong and o.passed:
            out.append(f"MISSED    {v.name} ({v.label})")
        elif o.misnamed:
            kind = "PARTIAL " if o.partial else "MISNAMED"
            out.append(f"{kind}  {v.name}: expected {v.label}, named {o.mistake}")
        elif v.wrong and v.label != "caught" and not o.named:
            out.append(f"UNNAMED   {v.name}: expected {v.label}; {head}")
    return out


def render(rows: list[Row], total: Row) -> str:
    head = (f"{'function':34} {'variants':>8} {'caught':>9} {'named':>9} {'misnamed':>8} "
            f"{'partial':>7} {'accepted':>9} {'median s':>8}")
    lines = [head, "-" * len(head)]
    for r in [*rows, total]:
        if r is total:
            lines.append("-" * len(head))
        med = f"{statistics.median(r.seconds):.3f}" if r.seconds else "-"
        lines.append(f"{r.function:34} {r.variants:>8} {f'{r.caught}/{r.wrong}':>9} "
                     f"{f'{r.named}/{r.with_id}':>9} {r.misnamed:>8} {r.partial:>7} "
                     f"{f'{r.accepted}/{r.correct}':>9} {med:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--details", action="store_true",
                        help="also list every variant that is missed, rejected, misnamed or "
                             "unnamed")
    parser.add_argument("--only", default=None,
                        help="only the variants whose name starts with this (e.g. adam:)")
    parser.add_argument("--jobs", type=int, default=None, help="children at a time")
    parser.add_argument("--in-process", action="store_true",
                        help="judge in this process with the command's judging API (no child "
                             "per variant): faster, same cases and judge")
    args = parser.parse_args(argv)
    variants = load_catalogue()
    if args.only:
        variants = [v for v in variants if v.name.startswith(args.only)]
    started = time.perf_counter()
    outcomes = (judge_in_process(variants) if args.in_process
                else judge_variants(variants, jobs=args.jobs))
    wall = time.perf_counter() - started
    rows, total = table(outcomes)
    import autograder
    engine = str(Path(autograder.__file__).resolve().parent.parent)
    if args.json:
        payload = {"engine": engine, "path": "in-process" if args.in_process else "child",
                   "wall_seconds": round(wall, 2),
                   "functions": [r.as_json() for r in rows], "overall": total.as_json()}
        if args.details:
            payload["problems"] = problems(outcomes)
        print(json.dumps(payload))
    else:
        path = "in process" if args.in_process else "a child per variant"
        print(f"engine: {engine}  ({len(variants)} variants in {wall:.1f} s, {path})")
        print(render(rows, total))
        print("caught: wrong variants failed / wrong; named: id equal to the label / wrong "
              "variants with an id; misnamed: another id (partial: one of the two ids of a "
              "combined label); accepted: correct variants passed / correct")
        if args.details:
            print("\n".join(problems(outcomes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
