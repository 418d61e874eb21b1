"""Entry point of the child process of ``python -m autograder check`` (numpy only).

``main(task, emit)`` executes the master's setup imports and the learner's solution cell, then
probes the graded function on every case (visible and hidden) and emits one plain record per
case as soon as it is known, so a child killed half-way still tells how far it got. Nothing is
judged here. The probe and the output channel are bound before the learner's cell runs, so
patching numpy, ``json``, ``autograder.checks`` or ``sys`` from the cell cannot change what the
parent receives (other than by making the learner's own results wrong).

Task (JSON): ``{"name": "<function>", "setup": "<import lines>", "source": "<cell source>",
"cell": <cell index or null>}``. Messages: ``{"stage": "compile"|"cell"|"define",
"exception": {...}}`` when the cell cannot provide the function, ``{"cell_ran": true}`` once
the cell has run, then ``{"case": id, "started": true}`` and ``{"case": id, "record": {...}}``
for each case.
"""

from __future__ import annotations

import builtins
import linecache
import sys

from autograder.checks.cases import case_from_plain, cases_for
from autograder.checks.probe import describe_exception, prebuild, run_case, set_after_call

_compile, _exec, _callable = compile, exec, callable


def clean_source(source: str) -> str:
    """Jupyter magics and shell escapes (``%...``, ``!...``) become blank lines."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def cell_filename(name: str) -> str:
    return f"<your {name} cell>"


def main(task, emit):
    name = task["name"]
    # The parent hands over every case it judges (the hidden ones come from the trusted side).
    cases = [case_from_plain(c) for c in task["cases"]] if task.get("cases") else cases_for(name)
    namespace = {"__name__": "__main__"}
    _exec(_compile(task.get("setup", ""), "<setup>", "exec"), namespace)
    prebuild(cases)
    saved_builtins = dict(builtins.__dict__)
    saved_modules = {k: sys.modules[k] for k in list(sys.modules) if k.startswith("autograder")}
    update, modules = builtins.__dict__.update, sys.modules

    def restore():
        update(saved_builtins)
        modules.update(saved_modules)

    set_after_call(restore)
    real_emit = emit

    def emit(obj):  # noqa: F811 - the same channel, after undoing patches of builtins
        restore()
        real_emit(obj)

    filename = cell_filename(name)
    source = clean_source(task["source"])
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        code = _compile(source, filename, "exec")
    except BaseException as exc:  # noqa: BLE001 - SyntaxError, ValueError (null bytes), ...
        emit({"stage": "compile", "exception": describe_exception(exc, filename)})
        return "compile"
    try:
        _exec(code, namespace)
    except BaseException as exc:  # noqa: BLE001
        described = describe_exception(exc, filename)
        if not _callable(namespace.get(name)):
            emit({"stage": "cell", "exception": described})
            return "cell"
        # The function was defined before the failing line (a stray print of a variable from
        # another cell, say): grade the function, as the notebook's test cell would.
        emit({"cell_warning": described})
    emit({"cell_ran": True})
    fn = namespace.get(name)
    if not _callable(fn):
        emit({"stage": "define", "defined": sorted(k for k, v in namespace.items()
                                                    if _callable(v) and not k.startswith("_"))[:20],
              "type": type(fn).__name__})
        return "define"
    for case in cases:
        emit({"case": case.id, "started": True})
        emit({"case": case.id, "record": run_case(name, fn, case)})
    return "done"
