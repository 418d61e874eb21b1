"""From the instructor masters to what everyone else uses.

- :mod:`.masters`: reads ``autograder/source/`` (the only place solutions and hidden tests live)
  and executes a master's solution cells to give the reference functions.
- :mod:`.notebooks`: ``python -m autograder release``: nbgrader ``generate_assignment`` of each
  master into ``notebooks/``, with the course kernel's exact metadata; then the checks' data.
- :mod:`.hidden_cases`: the hidden cases' definitions (the visible ones are in the checks).
- :mod:`.families`: each graded function's mistake family: wrong rules written once as data
  (a table of parameterised mutations per function, ids from ``autograder.checks.vocabulary``).
- :mod:`.expected`: runs masters and families on the cases: the data files under
  ``autograder/checks/expected/`` (visible cases), and the same data live for the local check
  and the grader (visible and hidden cases).

This package runs on the trusted side only (the repository, the instructor's grader); nothing in
it is needed by a student's kernel.
"""
