"""The self-learner's local check: ``python -m autograder check NOTEBOOK [--json]``.

- :mod:`.command`: find the master and the graded cells of a notebook, run each graded function
  in its own child process, judge the plain records that come back, report (text or JSON).
- :mod:`.isolation`: the child processes: limits (wall time, memory, output), a private data
  channel, nothing but plain data crossing back.
- :mod:`.child`: the entry point that runs inside a child: the learner's cell, then the probe.

The grader (:mod:`autograder.grading`) reuses all three for its trusted verdicts.
"""
