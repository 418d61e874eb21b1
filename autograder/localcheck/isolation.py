"""Run untrusted code in a fresh child process with limits; only plain data comes back.

The grading side never runs a learner's code in its own process. It asks this module to start a
child Python, call an *entry point* there (a trusted function, imported by name) with a
JSON-serialisable *task*, and collect the JSON messages the entry point emits. Whatever the
learner's code does in the child (loop forever, exhaust memory, flood stdout, patch numpy or
``json``, ``os._exit``, segfault), the parent gets back a :class:`ChildResult` in bounded time.

API
---
::

    from autograder.localcheck.isolation import Limits, run_isolated, run_many

    result = run_isolated("autograder.localcheck.child:main", {"name": "update_lr", ...})
    result.status     # "ok" | "timeout" | "memory" | "crashed" | "exited" | "error"
    result.messages   # the JSON values the entry point emitted, in order (plain data)
    result.value      # what the entry point returned (when status == "ok")
    result.reason     # one human line when status != "ok"
    result.stdout, result.stderr, result.truncated, result.seconds, result.returncode

    results = run_many([(entry, task), ...], limits, workers=2)   # in parallel, same order

An entry point is ``"package.module:function"``; it is called as ``function(task, emit)`` where
``emit(obj)`` sends one JSON value to the parent at once (so the parent knows how far a child
got even if it is later killed), and its return value is sent last.

How the limits work
-------------------
- wall time: the parent kills the child's whole process group after ``Limits.wall_seconds``;
  a CPU-time rlimit slightly above it is a backstop. Descendants that left the group (a
  double-forked daemon) are adopted and killed by the check command (see ``sweep_orphans``).
- memory: ``RLIMIT_AS`` (address space) is set in the child before anything else runs, so an
  allocation past the limit raises ``MemoryError`` there (and never hurts the parent). BLAS
  threads are limited to one so that numpy's own reservations stay small.
- output: the child's stdout and stderr are pipes the parent drains continuously; the first
  ``Limits.output_bytes`` bytes (both streams together) are kept, the rest is read and dropped,
  so a flood can neither block the child nor fill the parent's memory.
- data: messages travel on a separate pipe (not stdout), so prints cannot corrupt them; at most
  ``Limits.data_bytes`` bytes are accepted.
- the child starts with ``python -I`` (no user site, no ``PYTHON*`` variables), the repository
  first on ``sys.path``, an empty temporary working directory, stdin at end-of-file, and no
  core dumps.

What this is not: a security sandbox. The child runs as the same user, so deliberately
malicious code could still read or write the user's files or signal other processes. What it
guarantees is that ordinary and unlucky learner code (mistakes, endless loops, floods,
monkey-patching) cannot hang, crash or fool the process that judges it; the check command also
computes every reference before it starts any child.

Configuration (defaults from COURSE_SPEC.md; environment variables override them, and
``python -m autograder check`` has matching flags):

=============================  =====================================  =========
variable                       meaning                                default
=============================  =====================================  =========
``AUTOGRADER_TIMEOUT``         wall seconds per child                 10
``AUTOGRADER_MEMORY_MB``       address-space limit per child, in MiB  1024
``AUTOGRADER_OUTPUT_BYTES``    stdout+stderr bytes kept per child     1000000
``AUTOGRADER_JOBS``            children run at the same time          CPU count
=============================  =====================================  =========
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from autograder.localcheck.safefiles import MESSAGE_MAX_DEPTH, loads_bounded

REPO_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Limits:
    """Limits of one child process (see the module docstring)."""

    wall_seconds: float = 10.0
    memory_bytes: int = 1 << 30
    output_bytes: int = 1_000_000
    data_bytes: int = 32_000_000

    @classmethod
    def from_env(cls, environ=None, **overrides) -> Limits:
        """Defaults, then ``AUTOGRADER_*`` environment variables, then ``overrides``
        (``None`` values in ``overrides`` are ignored)."""
        env = os.environ if environ is None else environ
        values = {}
        if env.get("AUTOGRADER_TIMEOUT"):
            values["wall_seconds"] = float(env["AUTOGRADER_TIMEOUT"])
        if env.get("AUTOGRADER_MEMORY_MB"):
            values["memory_bytes"] = int(float(env["AUTOGRADER_MEMORY_MB"]) * (1 << 20))
        if env.get("AUTOGRADER_OUTPUT_BYTES"):
            values["output_bytes"] = int(env["AUTOGRADER_OUTPUT_BYTES"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def default_jobs(environ=None) -> int:
    env = os.environ if environ is None else environ
    if env.get("AUTOGRADER_JOBS"):
        return max(1, int(env["AUTOGRADER_JOBS"]))
    return max(1, os.cpu_count() or 1)


@dataclass
class ChildResult:
    """What came back from one child (plain data only)."""

    status: str                      # ok | timeout | memory | crashed | exited | error
    messages: list = field(default_factory=list)
    value: object = None
    reason: str = ""
    stdout: str = ""
    stderr: str = ""
    truncated: bool = False
    seconds: float = 0.0
    returncode: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# The child's first code: limits, then the task, then the entry point. Kept small and free of
# anything the learner could have touched (it runs before any learner code).
_BOOTSTRAP = r"""
import os, sys
_fd, _entry, _repo = int(sys.argv[1]), sys.argv[2], sys.argv[5]
_mem, _cpu = int(sys.argv[3]), int(sys.argv[4])
try:
    import resource
except ImportError:
    resource = None
for _limit, _value in (("RLIMIT_CORE", 0), ("RLIMIT_AS", _mem), ("RLIMIT_CPU", _cpu)):
    if resource is not None and _value >= 0 and (_value > 0 or _limit == "RLIMIT_CORE"):
        try:
            _hard = _value + 1 if _limit == "RLIMIT_CPU" else _value
            resource.setrlimit(getattr(resource, _limit), (_value, _hard))
        except (AttributeError, ValueError, OSError):
            pass
import json
_raw = sys.stdin.buffer.read()
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
sys.stdin = open(os.devnull)
_task = json.loads(_raw)
_write, _exit = os.write, os._exit
# A serializer of our own, with every builtin it needs bound now: patching json, builtins or
# the classes' methods later cannot change what it writes.
from json.encoder import encode_basestring_ascii as _estr
_type, _repr_f, _repr_i, _join = type, float.__repr__, int.__repr__, "".join
_str_t, _float_t, _int_t, _bool_t = str, float, int, bool
_dict_t, _list_t, _tuple_t, _none_t = dict, list, tuple, type(None)
_enumerate, _repr = enumerate, repr
def _enc(o, out):
    t = _type(o)
    if t is _str_t:
        out.append(_estr(o))
    elif t is _bool_t:
        out.append("true" if o else "false")
    elif t is _none_t:
        out.append("null")
    elif t is _int_t:
        out.append(_repr_i(o))
    elif t is _float_t:
        out.append("NaN" if o != o else "Infinity" if o == 1e999 else
                   "-Infinity" if o == -1e999 else _repr_f(o))
    elif t is _dict_t:
        out.append("{")
        first = True
        for k, v in o.items():
            if not first:
                out.append(",")
            first = False
            out.append(_estr(k if _type(k) is _str_t else _repr(k)))
            out.append(":")
            _enc(v, out)
        out.append("}")
    elif t is _list_t or t is _tuple_t:
        out.append("[")
        for i, v in _enumerate(o):
            if i:
                out.append(",")
            _enc(v, out)
        out.append("]")
    else:
        out.append(_estr("<unserializable %s>" % t.__name__))
def _emit(obj):
    out = []
    _enc(obj, out)
    data = (_join(out) + "\n").encode("utf-8")
    view = memoryview(data)
    while view:
        n = _write(_fd, view)
        view = view[n:]
sys.path.insert(0, _repo)
try:
    import importlib
    _module, _, _name = _entry.partition(":")
    _fn = getattr(importlib.import_module(_module), _name)
    _value = _fn(_task, _emit)
    _emit({"__return__": _value})
except MemoryError:
    try:
        _emit({"__error__": "MemoryError", "message": "out of memory"})
    except BaseException:
        pass
    _exit(3)
except BaseException as _exc:
    try:
        import traceback
        _emit({"__error__": type(_exc).__name__, "message": str(_exc)[:500],
               "traceback": traceback.format_exc()[-3000:]})
    except BaseException:
        pass
    _exit(4)
try:
    sys.stdout.flush()
    sys.stderr.flush()
except BaseException:
    pass
_exit(0)
"""


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "NUMEXPR_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8",
                "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"})
    return env


_live: set[subprocess.Popen] = set()
_live_lock = threading.Lock()


def kill_all() -> None:
    """Kill every child still running (e.g. when the user presses Ctrl-C)."""
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    try:
        proc.kill()
    except OSError:
        pass


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except (ValueError, TypeError):
        return f"signal {-returncode}"


# ----------------------------------------------------------------------------- descendants
# A child's process group is killed at its end, but a learner's double-forked daemon (fork,
# setsid, fork) leaves that group and, once its parents exit, would be adopted by init and live
# on. ``python -m autograder check`` therefore makes itself a *child subreaper*
# (``prctl(PR_SET_CHILD_SUBREAPER)``): every orphan of its children is adopted by the check
# itself instead, and :func:`sweep_orphans` kills every such process (and all below it) after
# each child and before the command exits. Under ``make grade`` as root the children run in
# PID namespaces of their own instead (the whole namespace dies with its first process).

PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE = 36, 4
_subreaper = False


def become_subreaper() -> bool:
    """Adopt the orphans of our children (Linux); True when in effect. Only for a process whose
    children are all check children (the check command), see :func:`sweep_orphans`."""
    global _subreaper
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        # Not dumpable: other processes of the same user (the children) cannot open our
        # /proc entries, e.g. /proc/<pid>/fd/1 to write into the report.
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        _subreaper = False
    return _subreaper


def _processes() -> dict[int, int]:
    """``{pid: parent pid}`` of every process we can see."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    table[int(entry)] = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    return table


def sweep_orphans() -> int:
    """Kill every process adopted by us (an orphan of a check child, see above) and all its
    descendants; the children still running are left alone. Returns how many were killed."""
    if not _subreaper or not os.path.isdir("/proc"):
        return 0
    me = os.getpid()
    killed = 0
    for _ in range(50):  # until nothing is left (a fork bomb is bounded by its own limits)
        with _live_lock:   # with the table: a child being started now is in _live already
            live = {proc.pid for proc in _live}
            table = _processes()
        roots = [pid for pid, parent in table.items() if parent == me and pid not in live]
        if not roots:
            break
        below = {}
        for pid, parent in table.items():
            below.setdefault(parent, []).append(pid)
        doomed, stack = [], list(roots)
        while stack:
            pid = stack.pop()
            doomed.append(pid)
            stack.extend(below.get(pid, []))
        for pid in doomed:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        for pid in roots:  # reap what we adopted
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed


#: Environment variable naming the interpreter (or a wrapper script) that starts each child;
#: ``make grade`` points it at its sandbox so learner code runs behind the same walls as kernels.
CHILD_PYTHON_ENV = "AUTOGRADER_CHILD_PYTHON"


def run_isolated(entry: str, task, limits: Limits | None = None,
                 python: str | None = None) -> ChildResult:
    """Run ``entry(task, emit)`` in a fresh child process under ``limits``; never raises for
    anything the child does."""
    limits = limits or Limits.from_env()
    # The official hook for a sandboxing wrapper (make grade sets it): the interpreter command.
    python = python or os.environ.get(CHILD_PYTHON_ENV) or sys.executable
    cpu = int(limits.wall_seconds) + 2 if limits.wall_seconds > 0 else 0
    data_r, data_w = os.pipe()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="autograder-child-") as workdir:
        # Started and registered under the lock: another thread's sweep_orphans must never
        # see this child before it is in _live (it would kill it as an orphan: SIGKILL).
        with _live_lock:
            try:
                proc = subprocess.Popen(
                    [python, "-I", "-c", _BOOTSTRAP, str(data_w), entry,
                     str(limits.memory_bytes), str(cpu), str(REPO_DIR)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    pass_fds=(data_w,), cwd=workdir, env=_child_env(), start_new_session=True,
                    close_fds=True)
            except OSError as exc:
                os.close(data_r)
                os.close(data_w)
                return ChildResult("error", reason=f"could not start a child process: {exc}")
            _live.add(proc)
        os.close(data_w)
        try:
            try:
                proc.stdin.write(json.dumps(task).encode("utf-8"))
                proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            return _collect(proc, data_r, limits, started)
        except BaseException:
            _kill_group(proc)
            raise
        finally:
            with _live_lock:
                _live.discard(proc)
            sweep_orphans()


def _collect(proc, data_r, limits: Limits, started: float) -> ChildResult:
    sel = selectors.DefaultSelector()
    os.set_blocking(data_r, False)
    streams = {proc.stdout.fileno(): "stdout", proc.stderr.fileno(): "stderr", data_r: "data"}
    for fd in streams:
        if fd != data_r:
            os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    kept = {"stdout": bytearray(), "stderr": bytearray()}
    data = bytearray()
    output_total = 0
    truncated = data_overflow = timed_out = False
    deadline = started + limits.wall_seconds if limits.wall_seconds > 0 else float("inf")
    exited_at = None
    open_fds = set(streams)
    while open_fds:
        now = time.monotonic()
        if now >= deadline:
            timed_out = proc.poll() is None
            _kill_group(proc)
            break
        if exited_at is None and proc.poll() is not None:
            exited_at = now
            _kill_group(proc)  # stragglers the learner may have forked hold our pipes open
        if exited_at is not None and now - exited_at > 1.0:
            break
        for key, _ in sel.select(timeout=min(0.05, max(0.0, deadline - now))):
            fd = key.fd
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(fd)
                open_fds.discard(fd)
                continue
            which = streams[fd]
            if which == "data":
                if len(data) + len(chunk) > limits.data_bytes:
                    data_overflow = True
                    _kill_group(proc)
                else:
                    data.extend(chunk)
            else:
                room = limits.output_bytes - output_total
                if room > 0:
                    kept[which].extend(chunk[:room])
                if len(chunk) > room:
                    truncated = True
                output_total += len(chunk)
    sel.close()
    for fd in (data_r,):
        try:
            os.close(fd)
        except OSError:
            pass
    for stream in (proc.stdout, proc.stderr):
        try:
            stream.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.wait()
    seconds = time.monotonic() - started
    result = ChildResult("ok", stdout=kept["stdout"].decode("utf-8", "replace"),
                         stderr=kept["stderr"].decode("utf-8", "replace"), truncated=truncated,
                         seconds=seconds, returncode=proc.returncode)
    returned = False
    bad_lines = 0
    for line in bytes(data).splitlines():
        if not line.strip():
            continue
        try:
            # Bounded: a value nested thousands deep is refused here, not a RecursionError
            # in the judge.
            msg = loads_bounded(line, max_bytes=limits.data_bytes, max_depth=MESSAGE_MAX_DEPTH,
                                what="message")
        except ValueError:
            bad_lines += 1
            continue
        if isinstance(msg, dict) and "__return__" in msg and len(msg) == 1:
            result.value = msg["__return__"]
            returned = True
        elif isinstance(msg, dict) and "__error__" in msg:
            result.status = "memory" if msg["__error__"] == "MemoryError" else "error"
            result.reason = (f"the child stopped with {msg['__error__']}: "
                             f"{msg.get('message', '')}")
        else:
            result.messages.append(msg)
    if timed_out:
        result.status = "timeout"
        result.reason = f"did not finish within {limits.wall_seconds:g} s"
    elif data_overflow:
        result.status = "error"
        result.reason = f"sent more than {limits.data_bytes} bytes of data"
    elif result.status in ("memory", "error"):
        pass
    elif proc.returncode is not None and proc.returncode < 0:
        name = _signal_name(proc.returncode)
        if name == "SIGXCPU":
            result.status, result.reason = "timeout", "used up its CPU time"
        else:
            result.status = "crashed"
            result.reason = f"the process died ({name}"
            result.reason += ", a segmentation fault)" if name == "SIGSEGV" else ")"
    elif not returned:
        result.status = "exited"
        result.reason = (f"the process ended early (exit code {proc.returncode}) before "
                         "sending its results")
    if bad_lines and result.status == "ok":
        result.reason = f"{bad_lines} unreadable data line(s) ignored"
    return result


def run_many(jobs, limits: Limits | None = None, workers: int | None = None,
             python: str | None = None) -> list[ChildResult]:
    """Run ``[(entry, task), ...]`` with at most ``workers`` children at a time; results come
    back in the order of ``jobs``."""
    jobs = list(jobs)
    limits = limits or Limits.from_env()
    workers = max(1, min(workers or default_jobs(), len(jobs) or 1))
    if workers == 1 or len(jobs) <= 1:
        return [run_isolated(entry, task, limits, python) for entry, task in jobs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_isolated, entry, task, limits, python) for entry, task in jobs]
        try:
            return [f.result() for f in futures]
        except BaseException:  # Ctrl-C: do not leave children behind
            for f in futures:
                f.cancel()
            kill_all()
            raise


def exec_entry(task, emit):
    """A generic entry point: execute ``task["source"]`` (with ``emit`` in its namespace) and
    return the JSON-serialisable value of ``task.get("result")`` from its namespace, if any.

    ``run_isolated("autograder.localcheck.isolation:exec_entry",
    {"source": "x = 6 * 7", "result": "x"})``
    """
    namespace = {"__name__": "__main__", "emit": emit}
    exec(compile(task["source"], task.get("filename", "<task>"), "exec"), namespace)  # noqa: S102
    name = task.get("result")
    return namespace.get(name) if name else None
