"""The instructor's grading at class scale: ``python -m autograder grade``.

- :mod:`.run`: the command: who is graded, shards in parallel, the merge into the course
  gradebook, nbgrader's export, the summary.
- :mod:`.shard`: one shard: its own nbgrader course root, one submission after another through
  real ``nbgrader autograde`` and ``generate_feedback``, a record per submission.
- :mod:`.submission`: reading a submission and rebuilding it on the released notebook; the
  sanitised feedback notebook.
- :mod:`.verdicts`: the trusted per-function verdicts (the local check, run in the shard).
- :mod:`.sandbox`: the sandboxed kernels and check children (namespaces, limits, zygotes).
"""
