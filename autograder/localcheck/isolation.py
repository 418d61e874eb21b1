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

    zygote = start_zygote("autograder.localcheck.child:main")   # imports numpy once, now
    results = run_many(jobs, limits, workers=2, zygote=zygote)    # children forked from it
    zygote.close()                                                 # (None: new Pythons)

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
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks.i18n import N_, Message
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
    # The children run ``python -I -B``: -I ignores every PYTHON* variable, so -B is what keeps
    # them from writing bytecode; PYTHONDONTWRITEBYTECODE is for what they start themselves.
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


def _children_now() -> set[int] | None:
    """Our direct children, from ``/proc/self/task/<thread>/children`` (an adopted orphan is a
    child of one of our threads); ``None`` where the kernel does not list them."""
    try:
        threads = os.listdir("/proc/self/task")
        if not os.path.exists(f"/proc/self/task/{os.getpid()}/children"):
            return None
    except OSError:
        return None
    found: set[int] = set()
    for tid in threads:
        try:
            with open(f"/proc/self/task/{tid}/children", "rb") as handle:
                found.update(int(pid) for pid in handle.read().split())
        except FileNotFoundError:   # that thread has ended meanwhile
            continue
        except (OSError, ValueError):
            return None
    return found


def sweep_orphans(quick: bool = False) -> int:
    """Kill every process adopted by us (an orphan of a check child, see above) and all its
    descendants; the children still running are left alone. Returns how many were killed.

    ``quick``: first look only at our own children (a few small files instead of every
    process's); when none of them is an orphan, stop there. A thread of ours that ends while
    they are read could hide an orphan for that moment, so the sweep that ends the check is a
    full one (the default)."""
    if not _subreaper or not os.path.isdir("/proc"):
        return 0
    if quick:
        with _live_lock:
            live = {proc.pid for proc in _live}
            children = _children_now()
        if children is not None and children <= live:
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


# ----------------------------------------------------------------------------- warm children
# Starting a child costs a new Python and its imports (numpy, the checks: most of a check's
# time). A *zygote* pays that once: a process started exactly like a child (``python -I``, the
# children's environment, no core dumps, its own session), that imports the entry point's
# module and then only forks. Each fork becomes one child: a new session (its own process
# group), its own stdin / stdout / stderr / data pipes (handed over the zygote's socket by the
# parent), an empty temporary working directory, the memory and CPU limits, and then the very
# same bootstrap a new Python runs (so a forked child behaves as a new one, byte for byte on
# the data channel). No learner code ever runs in the zygote: every child starts from the
# state the zygote had before any learner code ran, so what one function's code does to its
# process (patched numpy, rebound builtins, rewritten checks, edited course files) cannot reach
# another function's child. The zygote is not dumpable (children cannot open its /proc entries
# or trace it); its children are, as new Pythons are, and die with it (PR_SET_PDEATHSIG).
# The zygote reaps its children and sends each exit status to the parent, which sees a child
# as a Popen-like object (:class:`_Forked`). When the zygote cannot start, cannot fork or has
# died, the child is a new Python, as before; ``AUTOGRADER_CHILD_PYTHON`` (make grade's
# sandbox) turns warm children off.

_ZYGOTE = r"""
import os, sys
_sock_fd, _entry, _repo, _bootstrap = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
try:
    import resource
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
except (ImportError, ValueError, OSError):
    pass
import ctypes, json, selectors, signal, socket
try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _libc.prctl(4, 0, 0, 0, 0)                      # PR_SET_DUMPABLE 0
except (OSError, AttributeError):
    _libc = None
_sock = socket.socket(fileno=_sock_fd)
sys.path.insert(0, _repo)
try:
    import importlib
    _module, _, _name = _entry.partition(":")
    getattr(importlib.import_module(_module), _name)
    _code = compile(_bootstrap, "<string>", "exec")
except BaseException as _exc:
    _sock.send(json.dumps({"ready": False, "error": "%s: %s" % (type(_exc).__name__, _exc)})
               .encode())
    os._exit(1)
sys.path.remove(_repo)
_wake_r, _wake_w = os.pipe()
os.set_blocking(_wake_r, False)
os.set_blocking(_wake_w, False)
signal.set_wakeup_fd(_wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
_kids = {}
def _child(req, fds):
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        if _libc is not None:
            _libc.prctl(1, 9, 0, 0, 0)              # PR_SET_PDEATHSIG SIGKILL
            _libc.prctl(4, 1, 0, 0, 0)              # dumpable again, as a new Python is
        if os.getppid() != _zygote_pid:
            os._exit(5)
        stdin, out, err, data = fds
        for fd, std in ((stdin, 0), (out, 1), (err, 2)):
            os.dup2(fd, std)
        os.closerange(3, data)
        os.closerange(data + 1, 1 << 16)
        os.chdir(req["cwd"])
        sys.argv = ["-c", str(data), _entry, str(req["mem"]), str(req["cpu"]), _repo]
        _globals = {"__name__": "__main__", "__builtins__": __builtins__}
    except BaseException:
        os._exit(5)
    exec(_code, _globals)
    os._exit(0)
_zygote_pid = os.getpid()
_sel = selectors.DefaultSelector()
_sel.register(_sock, selectors.EVENT_READ)
_sel.register(_wake_r, selectors.EVENT_READ)
_sock.send(b'{"ready": true}')
while True:
    for _key, _ in _sel.select():
        if _key.fd == _wake_r:
            try:
                while os.read(_wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            continue
        try:
            _msg, _fds, _, _ = socket.recv_fds(_sock, 1 << 16, 8)
        except OSError:
            _msg, _fds = b"", []
        if not _msg:                                 # the parent is gone: so are the children
            for _pid in _kids:
                try:
                    os.killpg(_pid, 9)
                except OSError:
                    pass
            os._exit(0)
        _req = json.loads(_msg)
        try:
            if len(_fds) != 4:
                raise OSError("expected 4 descriptors, got %d" % len(_fds))
            _pid = os.fork()
        except OSError as _exc:
            for _fd in _fds:
                os.close(_fd)
            _sock.send(json.dumps({"id": _req["id"], "error": str(_exc)}).encode())
            continue
        if _pid == 0:
            _sel.close()
            _sock.close()
            os.close(_wake_r)
            os.close(_wake_w)
            _child(_req, _fds)
        for _fd in _fds:
            os.close(_fd)
        _kids[_pid] = _req["id"]
        _sock.send(json.dumps({"id": _req["id"], "pid": _pid}).encode())
    while _kids:
        try:
            _pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if _pid == 0:
            break
        if _kids.pop(_pid, None) is not None:
            _sock.send(json.dumps({"pid": _pid, "returncode":
                                   os.waitstatus_to_exitcode(_status)}).encode())
"""


class _Forked:
    """A child forked by a :class:`Zygote`, seen as much like a ``subprocess.Popen`` as
    :func:`_collect` needs (``pid``, pipes, ``poll``, ``wait``, ``kill``, ``returncode``)."""

    def __init__(self, pid: int, stdin, stdout, stderr):
        self.pid, self.stdin, self.stdout, self.stderr = pid, stdin, stdout, stderr
        self.returncode: int | None = None
        self._done = threading.Event()

    def _exited(self, returncode: int) -> None:
        self.returncode = returncode
        self._done.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired("forked child", timeout)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass


class Zygote:
    """A process that has imported an entry point's module and forks children from it (see
    "Warm children" above). Start it with :func:`start_zygote` as early as possible (it imports
    while the parent prepares); give it to :func:`run_many`; :meth:`close` it at the end."""

    def __init__(self, entry: str, python: str | None = None):
        self.entry = entry
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._ok = False
        self._dead = False
        self._next = 0
        self._pending: dict[int, list] = {}   # request id -> [event, _Forked | None, error]
        self._children: dict[int, _Forked] = {}
        try:
            with _live_lock:
                self.proc = subprocess.Popen(
                    [python or sys.executable, "-I", "-B", "-c", _ZYGOTE, str(theirs.fileno()),
                     entry, str(REPO_DIR), _BOOTSTRAP],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),),
                    cwd=tempfile.gettempdir(), env=_child_env(), start_new_session=True,
                    close_fds=True)
                _live.add(self.proc)
        finally:
            theirs.close()
        threading.Thread(target=self._read, name="zygote-reader", daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                msg = self._sock.recv(1 << 16)
                if not msg:
                    break
                reply = json.loads(msg)
                if "ready" in reply:
                    self._ok = reply["ready"] is True
                    self._ready.set()
                    if not self._ok:
                        break
                    continue
                with self._lock:
                    if "returncode" in reply:
                        child = self._children.pop(reply["pid"], None)
                        if child is not None:
                            child._exited(int(reply["returncode"]))
                        continue
                    slot = self._pending.pop(reply["id"], None)
                    if slot is None:
                        continue
                    if "pid" in reply:
                        child = _Forked(int(reply["pid"]), *slot[3])
                        self._children[child.pid] = child
                        slot[1] = child
                    else:
                        slot[2] = reply.get("error", "the zygote could not fork")
                    slot[0].set()
        except (OSError, ValueError, KeyError, TypeError):
            pass
        finally:
            with self._lock:
                self._dead = True
                self._ready.set()
                for slot in self._pending.values():
                    slot[0].set()
                self._pending.clear()
                # Its children die with it (PR_SET_PDEATHSIG): say so to whoever waits.
                for child in self._children.values():
                    child._exited(-signal.SIGKILL)
                self._children.clear()

    @property
    def alive(self) -> bool:
        return self._ok and not self._dead

    def spawn(self, entry: str, memory_bytes: int, cpu: int, workdir: str,
              wait: float = 30.0):
        """``(child, data read end)`` for one child forked in ``workdir``; ``None`` when the
        zygote cannot give one (not this entry point, failed to start, died, fork failed)."""
        if entry != self.entry or not self._ready.wait(wait) or not self.alive:
            return None
        ends = [os.pipe() for _ in range(4)]       # stdin, stdout, stderr, data
        theirs = [ends[0][0], ends[1][1], ends[2][1], ends[3][1]]
        ours = [ends[0][1], ends[1][0], ends[2][0], ends[3][0]]
        files = (os.fdopen(ours[0], "wb"), os.fdopen(ours[1], "rb"), os.fdopen(ours[2], "rb"))
        event = threading.Event()
        with self._lock:
            rid = self._next
            self._next += 1
            slot = self._pending[rid] = [event, None, None, files]
        try:
            request = json.dumps({"id": rid, "mem": memory_bytes, "cpu": cpu, "cwd": workdir})
            socket.send_fds(self._sock, [request.encode()], theirs)
            event.wait(wait)
        except OSError:
            pass
        finally:
            for fd in theirs:
                os.close(fd)
        with self._lock:
            self._pending.pop(rid, None)
            child = slot[1]
            if child is not None:
                with _live_lock:
                    _live.add(child)
        if child is None:
            for f in files:
                f.close()
            os.close(ours[3])
            return None
        return child, ours[3]

    def close(self) -> None:
        """Stop the zygote: killed at once (it holds nothing worth waiting for; a child still
        running dies with it), its socket closed."""
        _kill_group(self.proc)
        self.proc.wait()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        with _live_lock:
            _live.discard(self.proc)


_prestarted: Zygote | None = None


def start_zygote(entry: str) -> Zygote | None:
    """A :class:`Zygote` of ``entry`` (it imports in the background; the one
    :func:`prestart_zygote` started, if any), or ``None`` where warm children are off:
    ``AUTOGRADER_CHILD_PYTHON`` is set (make grade's sandbox starts each child), or the
    platform has no fork or descriptor passing."""
    global _prestarted
    if os.environ.get(CHILD_PYTHON_ENV) or not hasattr(os, "fork") or \
            not hasattr(socket, "send_fds") or not hasattr(socket, "AF_UNIX"):
        return None
    early, _prestarted = _prestarted, None
    if early is not None and early.entry == entry and not early._dead:
        return early
    if early is not None:
        early.close()
    try:
        return Zygote(entry)
    except OSError:
        return None


def prestart_zygote(entry: str) -> None:
    """Start the zygote of ``entry`` now, for the next :func:`start_zygote` of that entry:
    ``python -m autograder check`` calls it before it imports its judge (numpy, the checks,
    the masters), so that the zygote's imports and the judge's run at the same time."""
    global _prestarted
    if _prestarted is None:
        _prestarted = start_zygote(entry)


#: Environment variable naming the interpreter (or a wrapper script) that starts each child;
#: ``make grade`` points it at its sandbox so learner code runs behind the same walls as kernels.
CHILD_PYTHON_ENV = "AUTOGRADER_CHILD_PYTHON"


def run_isolated(entry: str, task, limits: Limits | None = None,
                 python: str | None = None, zygote: Zygote | None = None) -> ChildResult:
    """Run ``entry(task, emit)`` in a fresh child process under ``limits``; never raises for
    anything the child does. With a running ``zygote`` of the same entry point, the child is
    forked from it (see "Warm children" above); otherwise, or when it cannot fork, the child
    is a new Python."""
    limits = limits or Limits.from_env()
    # The official hook for a sandboxing wrapper (make grade sets it): the interpreter command.
    python = python or os.environ.get(CHILD_PYTHON_ENV) or sys.executable
    cpu = int(limits.wall_seconds) + 2 if limits.wall_seconds > 0 else 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="autograder-child-") as workdir:
        forked = zygote.spawn(entry, limits.memory_bytes, cpu, workdir) \
            if zygote is not None else None
        if forked is not None:
            proc, data_r = forked
        else:
            data_r, data_w = os.pipe()
            # Started and registered under the lock: another thread's sweep_orphans must never
            # see this child before it is in _live (it would kill it as an orphan: SIGKILL).
            with _live_lock:
                try:
                    proc = subprocess.Popen(
                        [python, "-I", "-B", "-c", _BOOTSTRAP, str(data_w), entry,
                         str(limits.memory_bytes), str(cpu), str(REPO_DIR)],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        pass_fds=(data_w,), cwd=workdir, env=_child_env(),
                        start_new_session=True, close_fds=True)
                except OSError as exc:
                    os.close(data_r)
                    os.close(data_w)
                    return ChildResult("error", reason=Message(
                        N_("could not start a child process: {error}"), error=str(exc)))
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
            sweep_orphans(quick=True)


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
            result.reason = Message(N_("the child stopped with {error}: {message}"),
                                    error=str(msg["__error__"]),
                                    message=str(msg.get("message", "")))
        else:
            result.messages.append(msg)
    if timed_out:
        result.status = "timeout"
        result.reason = Message(N_("did not finish within {seconds} s"),
                                seconds=f"{limits.wall_seconds:g}")
    elif data_overflow:
        result.status = "error"
        result.reason = Message(N_("sent more than {bytes} bytes of data"),
                                bytes=limits.data_bytes)
    elif result.status in ("memory", "error"):
        pass
    elif proc.returncode is not None and proc.returncode < 0:
        name = _signal_name(proc.returncode)
        if name == "SIGXCPU":
            result.status, result.reason = "timeout", Message(N_("used up its CPU time"))
        else:
            result.status = "crashed"
            result.reason = Message(N_("the process died ({signal}, a segmentation fault)")
                                    if name == "SIGSEGV" else N_("the process died ({signal})"),
                                    signal=name)
    elif not returned:
        result.status = "exited"
        result.reason = Message(N_("the process ended early (exit code {code}) before sending "
                                   "its results"), code=proc.returncode)
    if bad_lines and result.status == "ok":
        result.reason = Message(N_("{count} unreadable data line(s) ignored"), count=bad_lines)
    return result


def run_many(jobs, limits: Limits | None = None, workers: int | None = None,
             python: str | None = None, zygote: Zygote | None = None) -> list[ChildResult]:
    """Run ``[(entry, task), ...]`` with at most ``workers`` children at a time; results come
    back in the order of ``jobs``. With ``zygote`` (:func:`start_zygote`), the children of its
    entry point are forked from it."""
    jobs = list(jobs)
    limits = limits or Limits.from_env()
    workers = max(1, min(workers or default_jobs(), len(jobs) or 1))
    if workers == 1 or len(jobs) <= 1:
        return [run_isolated(entry, task, limits, python, zygote) for entry, task in jobs]
    # ``workers`` threads take the jobs in order (plain threads: concurrent.futures would
    # import logging, a few ms of every check's start-up).
    results: list = [None] * len(jobs)
    errors: dict[int, BaseException] = {}
    todo = iter(range(len(jobs)))
    lock, stop = threading.Lock(), threading.Event()

    def work() -> None:
        while not stop.is_set():
            with lock:
                i = next(todo, None)
            if i is None:
                return
            entry, task = jobs[i]
            try:
                results[i] = run_isolated(entry, task, limits, python, zygote)
            except BaseException as exc:  # noqa: BLE001 - raised below, in the caller
                errors[i] = exc
                stop.set()

    threads = [threading.Thread(target=work, name="check-worker", daemon=True)
               for _ in range(workers)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    except BaseException:  # Ctrl-C: no new child, and none left behind
        stop.set()
        kill_all()
        raise
    if errors:
        raise errors[min(errors)]
    return results


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
