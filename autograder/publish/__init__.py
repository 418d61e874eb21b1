"""From the instructor masters to what everyone else uses.

- :mod:`.masters`: reads ``autograder/source/`` (the only place solutions and hidden tests live)
  and executes a master's solution cells to give the reference functions.
- :mod:`.notebooks`: ``python -m autograder release``: nbgrader ``generate_assignment`` of each
  master into ``notebooks/``, with the course kernel's exact metadata.

This package runs on the trusted side only (the repository, the instructor's grader); nothing in
it is needed by a student's kernel.
"""
