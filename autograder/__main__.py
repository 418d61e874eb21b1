"""``python -m autograder COMMAND``: check, release, student-package, grade.

Each command lives in its own module.
"""

from __future__ import annotations

import importlib
import os
import sys

COMMANDS = {
    "check": ("autograder.localcheck.command", "grade one notebook locally, with feedback"),
    "release": ("autograder.publish.notebooks",
                "regenerate notebooks/ from the masters with nbgrader"),
    "student-package": ("autograder.publish.student_package",
                        "build dist/optim_course_student-*.whl (no solutions, no hidden cases)"),
    "grade": ("autograder.grading.run", "autograde every submission with nbgrader, export grades"),
}


def usage() -> str:
    lines = ["usage: python -m autograder COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:16s} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    if command == "check":
        # The zygote of the check's children (autograder.localcheck.command.ENTRY) imports
        # numpy and the probe while the check imports its judge (isolation.py, warm children).
        from autograder.localcheck.isolation import prestart_zygote
        prestart_zygote("autograder.localcheck.child:main")
    module = importlib.import_module(COMMANDS[command][0])
    return module.main(rest) or 0


def exit_now(code: int) -> None:
    """End the process with ``code`` once its output is flushed, without the interpreter's
    finalization: tearing down numpy and every module costs a check's process some 20 ms (more
    under load), and the check has nothing left to finalize by then (its children and their
    zygote are gone, its temporary folders removed, its reports written)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more can be said there
            pass
    os._exit(code)


if __name__ == "__main__":
    checking = sys.argv[1:2] == ["check"]
    if checking:
        # The judge's arrays are tiny: one BLAS thread, as in the children. (OpenBLAS starts a
        # thread per core when numpy is imported, 20 to 30 ms of CPU that the zygote, which
        # imports numpy at the same time, competes with; it reads the variable then.)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    status = main()
    if checking:
        exit_now(status)
    sys.exit(status)
