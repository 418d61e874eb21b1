"""The instructor's grading at class scale: ``python -m autograder grade``.

- :mod:`.run`: the command: who is graded, shards in parallel, the merge into the course
  gradebook, nbgrader's export, the summary.
- :mod:`.shard`: one shard: its own nbgrader course root, one submission after another through
  real ``nbgrader autograde`` and ``generate_feedback``, a record per submission.
- :mod:`.submission`: reading a submission and rebuilding it on the released notebook; the
  sanitised feedback notebook.
- :mod:`.verdicts`: the trusted per-function verdicts (the local check, run in the shard).
- :mod:`.kernels`: one shard's sandboxed processes: kernels, check children, their zygotes and
  sockets, and the preflight that proves a kernel can start.
- :mod:`.sandbox`: the walls themselves (namespaces, limits, the launcher, the zygote protocol).
"""
