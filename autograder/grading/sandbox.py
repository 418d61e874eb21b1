"""The grading kernel's sandbox: where and as whom student code runs during ``autograde``.

nbgrader starts one kernel per notebook through a kernelspec. Ours points at this module:

``python -m autograder.grading.sandbox launch CONFIG.json CONNECTION_FILE [kernel args]``

Stage 1 (as the grader) makes a private scratch folder for this kernel: ``work/`` (the
student's non-notebook files, owned by the sandbox user) and ``lib/`` (root-owned: the kernel's
stand-in ``autograder.checks``, the trusted verdicts of this submission, the connection file).
Stage 2 (only as root, inside new mount + PID (+ network) namespaces made by ``unshare``) hides
the course (masters, gradebooks, every submission, ``.git``) under empty read-only tmpfs mounts,
gives the kernel a private ``/tmp`` with the scratch folder at ``/tmp/work``, drops to the
unprivileged sandbox user, applies the resource limits and execs ipykernel.

Without root (or without ``unshare``) the kernel still runs in the scratch folder, with the
resource limits, but as the grader's own user and seeing the grader's files: see
``docs/INSTRUCTORS.md``, "What is isolated".

Normally stage 2 does not start a new Python: each shard runs a *zygote* (``zygote``, below) that
has imported ipykernel, numpy, matplotlib and the course's helpers once; stage 1 asks it for a
kernel, and the zygote's fork makes the same namespaces and goes through the same stage 2 steps
before ipykernel starts in it. The exec path above remains for when no zygote is running.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

KERNEL_NAME = "optim-grader"
DEFAULT_USER = "optim-grader"

# The kernel's stand-in for ``autograder.checks``: in-kernel verdicts are not trusted (student code
# shares the kernel), so the kernel gets no references at all. It replays the verdict that the
# out-of-process check already computed for this submission. Student code that tampers with it can
# only make the in-kernel test pass where the trusted check failed: that is exactly what the
# pipeline flags.
SHIM_CHECKS = '''"""Grading-kernel stand-in for autograder.checks (replays the trusted verdicts)."""
import json as _json
import os as _os


class CheckFailed(AssertionError):
    """A graded function failed its checks (verdict of the out-of-process check)."""


def _verdicts():
    path = _os.environ.get("OPTIM_GRADER_VERDICTS", "")
    try:
        with open(path, encoding="utf-8") as handle:
            return _json.load(handle)
    except (OSError, ValueError):
        return {}


def check(name, fn, hidden=False):
    verdict = _verdicts().get(name)
    if verdict is None:
        raise CheckFailed(f"{name}: no verdict from the grader's check")
    if not callable(fn):
        raise CheckFailed(f"{name} is not a function")
    if not verdict.get("passed"):
        raise CheckFailed(verdict.get("feedback") or f"{name} failed its checks")
    if not hidden:
        print(f"{name}: all checks passed")
'''

# Runs ipykernel with a cap on the bytes of stream output a kernel may send (floods of print()).
BOOT = '''"""Start ipykernel with a cap on stream output (the grader's kernel bootstrap)."""
import os
import sys


def _cap_stream_output(budget):
    from ipykernel import iostream

    original = iostream.OutStream.write
    state = {"left": budget, "noted": False}

    def write(self, string):
        if state["left"] <= 0:
            if not state["noted"]:
                state["noted"] = True
                original(self, "\\n[output truncated by the grader]\\n")
            return len(string)
        state["left"] -= len(string)
        return original(self, string[: max(0, state["left"] + len(string))])

    iostream.OutStream.write = write


if __name__ == "__main__":
    _cap_stream_output(int(os.environ.get("OPTIM_GRADER_OUTPUT_BYTES", "1000000")))
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()
'''


@dataclass
class Limits:
    """Resource limits of one grading kernel (all configurable from the command line)."""

    memory_bytes: int = 2 * 1024**3  # address space (RLIMIT_AS)
    cpu_seconds: int = 300  # CPU time of the whole kernel (RLIMIT_CPU); cells: wall limit
    file_bytes: int = 64 * 1024**2  # largest file the kernel may write (RLIMIT_FSIZE)
    processes: int = 512  # processes + threads of the sandbox user (RLIMIT_NPROC, as non-root)
    open_files: int = 256
    output_bytes: int = 1_000_000  # stream output kept per kernel
    tmp_bytes: int = 256 * 1024**2  # the private /tmp (tmpfs) in namespace mode


@dataclass
class SandboxConfig:
    """What stage 1 and stage 2 need; written to JSON next to the kernelspec."""

    scratch_parent: str
    inputs_dir: str  # <inputs>/<student>/<assignment>/verdicts.json, written by the shard
    lib_dir: str  # shim autograder package + boot module
    user: str | None = None  # None: run as the grader's user
    namespaces: bool = False
    network: bool = True  # False: the kernel gets its own empty network namespace (needs ipc)
    hide: list[str] = field(default_factory=list)
    ipc_dir: str | None = None  # kernel sockets (ipc transport), shown at the same path inside
    limits: Limits = field(default_factory=Limits)
    python: str = sys.executable
    zygote: str | None = None  # socket of the shard's kernel zygote (None: start from scratch)

    @classmethod
    def load(cls, path: str | os.PathLike) -> SandboxConfig:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data["limits"] = Limits(**data.get("limits", {}))
        return cls(**data)


def is_root() -> bool:
    return os.geteuid() == 0


def namespaces_available() -> bool:
    """True when this process may create mount + PID + network namespaces (root, unshare)."""
    if not is_root() or shutil.which("unshare") is None:
        return False
    try:
        result = subprocess.run(["unshare", "--mount", "--pid", "--net", "--ipc", "--uts",
                                 "--fork", "true"],
                                capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def ensure_user(name: str) -> str | None:
    """The sandbox user's name, creating a system user when root and it is missing."""
    try:
        pwd.getpwnam(name)
        return name
    except KeyError:
        pass
    if not is_root() or shutil.which("useradd") is None:
        return None
    subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", name], capture_output=True)
    try:
        pwd.getpwnam(name)
        return name
    except KeyError:
        return None


def write_lib(lib_dir: Path) -> None:
    """The kernel's importable stand-ins: ``autograder/checks.py`` and ``optim_grader_boot.py``."""
    package = lib_dir / "autograder"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('"""Grading-kernel stand-in package."""\n',
                                         encoding="utf-8")
    (package / "checks.py").write_text(SHIM_CHECKS, encoding="utf-8")
    (lib_dir / "optim_grader_boot.py").write_text(BOOT, encoding="utf-8")


def install_kernelspec(jupyter_dir: Path, config: SandboxConfig) -> Path:
    """Write the kernelspec ``optim-grader`` (and the config it reads) under ``jupyter_dir``."""
    spec_dir = jupyter_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    config_path = jupyter_dir / "sandbox.json"
    config_path.write_text(json.dumps(asdict(config), indent=1), encoding="utf-8")
    spec = {
        # No command history: nothing reads it, and its database costs every kernel a start.
        "argv": [sys.executable, "-m", "autograder.grading.sandbox", "launch", str(config_path),
                 "{connection_file}", "--HistoryManager.enabled=False"],
        "display_name": "Python 3 (grading sandbox)",
        "language": "python",
        # The kernel may sit behind unshare: interrupt it with a message, not a signal.
        "interrupt_mode": "message",
        "env": {},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return spec_dir


# ---------------------------------------------------------------------------------------------
# Stage 1: as the grader, in the folder nbgrader chose (autograded/<student>/<assignment>).


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies (Linux ``PR_SET_PDEATHSIG``).

    The launcher's parent is the grading process: a shard that is killed (by its watchdog, an
    interrupt, the out-of-memory killer) takes its kernel with it instead of leaving it idle
    forever. The setting survives ``exec`` but not a change of user, so stage 2 sets it again
    after dropping privileges.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def launch(config_path: str, connection_file: str, kernel_args: list[str]) -> None:
    config = SandboxConfig.load(config_path)
    die_with_parent()
    here = Path.cwd()
    student, assignment = here.parts[-2], here.parts[-1]
    Path(config.scratch_parent).mkdir(parents=True, exist_ok=True)
    os.chmod(config.scratch_parent, 0o711)
    scratch = Path(tempfile.mkdtemp(prefix="kernel-", dir=config.scratch_parent))
    work, lib = scratch / "work", scratch / "lib"
    work.mkdir()
    # The student's own folder, minus notebooks (the kernel gets the cells, not the files).
    # Links are never followed (nor copied): only real files and folders.
    for item in here.iterdir():
        if item.suffix == ".ipynb" or item.name.startswith(".") or item.is_symlink():
            continue
        if item.is_dir():
            shutil.copytree(item, work / item.name, symlinks=True,
                            ignore=lambda d, names: [n for n in names
                                                     if os.path.islink(os.path.join(d, n))])
        elif item.is_file():
            shutil.copyfile(item, work / item.name, follow_symlinks=False)
    shutil.copytree(config.lib_dir, lib)
    verdicts = Path(config.inputs_dir) / student / assignment / "verdicts.json"
    (lib / "verdicts.json").write_text(
        verdicts.read_text(encoding="utf-8") if verdicts.is_file() else "{}", encoding="utf-8")
    shutil.copyfile(connection_file, lib / "connection.json")
    os.chmod(lib / "connection.json", 0o600)
    if config.user and is_root():
        record = pwd.getpwnam(config.user)
        _chown_tree(work, record.pw_uid, record.pw_gid)
        os.chown(lib / "connection.json", record.pw_uid, record.pw_gid)
        os.chmod(scratch, 0o755)
        os.chmod(lib, 0o755)
    if config.zygote:
        code = _via_zygote(config.zygote, scratch, kernel_args)
        if code is not None:
            sys.exit(code)
    stage2 = [config.python, "-m", "autograder.grading.sandbox", "stage2", config_path,
              str(scratch), *kernel_args]
    if config.namespaces and is_root():
        unshare = ["unshare", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child",
                   "--mount-proc"]
        if not config.network:
            unshare.append("--net")
        os.execvp("unshare", [*unshare, "--", *stage2])
    os.execv(config.python, stage2)


# ---------------------------------------------------------------------------------------------
# Stage 2: inside the namespaces (or directly), then exec the kernel.

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 32, 4096, 16384, 1 << 18)


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]
    result = libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                        flags, data.encode() if data else None)
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target}: {os.strerror(errno)}")


def _isolate_filesystem(config: SandboxConfig, scratch: Path) -> tuple[str, str]:
    """Hide the course; return the kernel's (work folder, lib folder) as it sees them."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
    # Keep handles on the scratch folders: /tmp (where they may live) is about to be replaced.
    work_fd = os.open(scratch / "work", os.O_RDONLY | os.O_DIRECTORY)
    lib_fd = os.open(scratch / "lib", os.O_RDONLY | os.O_DIRECTORY)
    ipc_fd = (os.open(config.ipc_dir, os.O_RDONLY | os.O_DIRECTORY)
              if config.ipc_dir else None)
    _expose_interpreter(config)
    _private_tmp(config)
    # The work folder is a copy inside the private /tmp (a tmpfs of ``Limits.tmp_bytes``), not
    # a bind of the scratch on the host's disk: a disk fill stops at the tmpfs's size.
    shutil.copytree(f"/proc/self/fd/{work_fd}", "/tmp/work", symlinks=True)
    os.makedirs("/tmp/.grader")
    _mount(f"/proc/self/fd/{lib_fd}", "/tmp/.grader", None, MS_BIND, None)
    _mount("none", "/tmp/.grader", None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
    os.close(work_fd)
    os.close(lib_fd)
    if ipc_fd is not None:
        # The kernel's sockets: the same absolute path as the grader's, nothing else around it.
        os.makedirs(config.ipc_dir, exist_ok=True)
        _mount(f"/proc/self/fd/{ipc_fd}", config.ipc_dir, None, MS_BIND, None)
        os.close(ipc_fd)
    if allow_list_enabled():
        _allow_list_root(config, ["/tmp/.grader", *([config.ipc_dir] if config.ipc_dir else [])])
    hidden = []
    for path in config.hide:
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
            hidden.append(path)
    for path in hidden:
        _mount("none", path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    return "/tmp/work", "/tmp/.grader"


SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")


def _installation(config: SandboxConfig) -> set[Path]:
    """Folders the kernel must still see: the Python installation and the course's code."""
    # The repository root (not only the autograder package): the virtual environment's
    # editable install imports ``helpers`` and ``autograder`` from it.
    repo = Path(__file__).resolve().parent.parent.parent
    return {Path(os.path.realpath(config.python)).parent.parent, Path(sys.base_prefix),
            Path(os.path.realpath(sys.prefix)), repo}


def _private_tmp(config: SandboxConfig) -> None:
    """A private, empty ``/tmp`` (and ``/var/tmp``, ``/dev/shm``) for the kernel.

    A checkout or virtual environment that itself lives under one of them (a CI clone in
    ``/tmp``, say) is bound back, read-only, at the same path, so the interpreter and the
    course's packages stay importable; what must stay hidden inside it (``config.hide``) is
    covered afterwards by the caller.
    """
    keep = []
    for path in sorted(_installation(config)):
        if path.is_dir() and any(path.is_relative_to(shared) for shared in SHARED_TMP):
            keep.append((path, os.open(path, os.O_RDONLY | os.O_DIRECTORY)))
    for shared in SHARED_TMP:
        if os.path.isdir(shared):
            _mount("tmpfs", shared, "tmpfs", MS_NOSUID | MS_NODEV,
                   f"size={config.limits.tmp_bytes},mode=1777")
    for path, fd in keep:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", str(path), None, MS_BIND | MS_REC, None)
        _mount("none", str(path), None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
        os.close(fd)


#: What an allow-list root shows of the host (read-only): the system's programs and libraries,
#: a few files of /etc the C library and Python read, harmless devices.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf",
             "fonts", "mime.types", "alternatives")
DEVICES = ("null", "zero", "full", "random", "urandom")
ROOT = "/tmp/.sandbox-root"


def allow_list_enabled() -> bool:
    """The allow-list root is on unless ``OPTIM_GRADER_HOST_VIEW=1`` (then the older view: the
    host's files with the course hidden; for diagnosing a sandbox that lacks something)."""
    return not os.environ.get("OPTIM_GRADER_HOST_VIEW")


def _allow_list_root(config: SandboxConfig, keep: list[str]) -> None:
    """Replace this process's view of the host by a minimal root, then ``chroot`` into it.

    The new root is an empty tmpfs holding, read-only: :data:`SYSTEM_DIRS`, :data:`ETC_FILES`,
    the Python installation and the course's environment and code (``_installation``), a
    ``passwd``/``group`` with only root and the sandbox user; read-write: the private ``/tmp``
    made by :func:`_private_tmp` (with ``keep``, its bind mounts, bound again); a fresh
    ``/proc`` of the PID namespace, a ``/dev`` of :data:`DEVICES` and a size-limited
    ``/dev/shm``. Nothing else of the host exists in it: no other checkout, no home folder, no
    log, no ``/run``, no ``/var``, no ``/sys``. Runs as root inside new mount and PID
    namespaces; ``config.hide`` is covered afterwards, at the same paths.
    """
    new = ROOT
    os.makedirs(new, exist_ok=True)
    _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755")

    def bind(source: str, writable: bool = False, recursive: bool = True) -> None:
        target = new + source
        if os.path.islink(source) and source in SYSTEM_DIRS:  # /bin -> usr/bin
            os.symlink(os.readlink(source), target)
            return
        if os.path.isdir(source):
            os.makedirs(target, exist_ok=True)
        elif os.path.exists(source):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not os.path.exists(target):
                with open(target, "w"):
                    pass
        else:
            return
        _mount(source, target, None, MS_BIND | (MS_REC if recursive else 0), None)
        if not writable:
            _mount("none", target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, None)

    for path in SYSTEM_DIRS:
        if os.path.lexists(path):
            bind(path)
    for name in ETC_FILES:
        bind(os.path.join("/etc", name))
    _write_identity(new, config)
    # The private /tmp (work folder, scratch), then what is bound inside it, then the rest.
    bind("/tmp", writable=True, recursive=False)
    for path in sorted(set(keep)):
        if os.path.exists(path):
            bind(path, writable=path.startswith("/tmp/og-") or path == config.ipc_dir)
    for path in sorted(_installation(config)):
        if path.exists():
            bind(str(path))
    os.makedirs(new + "/proc", exist_ok=True)
    _mount("proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    os.makedirs(new + "/dev", exist_ok=True)
    _mount("tmpfs", new + "/dev", "tmpfs", MS_NOSUID, "size=64k,mode=0755")
    for name in DEVICES:
        bind(f"/dev/{name}", writable=True)
    os.makedirs(new + "/dev/shm")
    _mount("tmpfs", new + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={config.limits.tmp_bytes},mode=1777")
    os.symlink("/proc/self/fd", new + "/dev/fd")
    os.chroot(new)
    os.chdir("/")


def _write_identity(new: str, config: SandboxConfig) -> None:
    """``/etc/passwd`` and ``/etc/group`` of the new root: root and the sandbox user only."""
    users = ["root:x:0:0:root:/root:/usr/sbin/nologin"]
    groups = ["root:x:0:"]
    if config.user:
        record = pwd.getpwnam(config.user)
        users.append(f"{config.user}:x:{record.pw_uid}:{record.pw_gid}::/tmp/work:"
                     "/usr/sbin/nologin")
        groups.append(f"{config.user}:x:{record.pw_gid}:")
    os.makedirs(new + "/etc", exist_ok=True)
    for name, lines in (("passwd", users), ("group", groups)):
        with open(f"{new}/etc/{name}", "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.chmod(f"{new}/etc/{name}", 0o644)


def _closed_ancestor(path: Path) -> Path | None:
    """The topmost ancestor of ``path`` that others may not traverse (e.g. ``/root``)."""
    for ancestor in reversed(path.parents):
        if ancestor != Path("/") and not os.stat(ancestor).st_mode & 0o001:
            return ancestor
    return None


def _expose_interpreter(config: SandboxConfig) -> None:
    """Make the interpreter reachable for the sandbox user when it lives under a closed folder
    (pyenv under ``/root``): an empty tmpfs replaces the closed folder in the kernel's view and
    only the interpreter's installation is bound back into it."""
    needed = {Path(os.path.realpath(config.python)).parent.parent, Path(sys.base_prefix),
              Path(os.path.realpath(sys.prefix))}
    for path in sorted(needed):
        closed = _closed_ancestor(path)
        if closed is None or not path.is_dir():
            continue
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        if not os.path.ismount(closed) or os.stat(closed).st_mode & 0o001 == 0:
            _mount("tmpfs", str(closed), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
        inside = Path(closed) / path.relative_to(closed)
        inside.mkdir(parents=True, exist_ok=True)
        for parent in [inside, *inside.parents]:
            if parent == closed.parent:
                break
            os.chmod(parent, 0o755)
        _mount(f"/proc/self/fd/{fd}", str(inside), None, MS_BIND | MS_REC, None)
        os.close(fd)


def _drop_privileges(user: str) -> None:
    record = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(record.pw_gid)
    os.setuid(record.pw_uid)


def _apply_limits(limits: Limits) -> None:
    def cap(kind: int, value: int) -> None:
        soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_AS, limits.memory_bytes)
    # Soft limit: SIGXCPU kills the kernel (a dead kernel: the rest of the notebook scores 0).
    cap(resource.RLIMIT_CPU, limits.cpu_seconds)
    cap(resource.RLIMIT_FSIZE, limits.file_bytes)
    cap(resource.RLIMIT_NOFILE, limits.open_files)
    cap(resource.RLIMIT_CORE, 0)
    if os.geteuid() != 0:
        cap(resource.RLIMIT_NPROC, limits.processes)


def kernel_env(config: SandboxConfig, work: str, lib: str) -> dict[str, str]:
    """The grading kernel's whole environment (nothing is inherited from the grader)."""
    return {
        "PATH": os.pathsep.join([os.path.dirname(config.python), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "HOME": work,
        "TMPDIR": "/tmp" if config.namespaces else work,
        "PYTHONPATH": lib,
        "PYTHONDONTWRITEBYTECODE": "1",
        "IPYTHONDIR": os.path.join(work, ".ipython"),
        "MPLCONFIGDIR": os.path.join(work, ".matplotlib"),
        "JUPYTER_RUNTIME_DIR": os.path.join(work, ".jupyter"),
        "LANG": "C.UTF-8",
        "NBGRADER_EXECUTION": "autograde",
        "OPTIM_GRADER_VERDICTS": os.path.join(lib, "verdicts.json"),
        "OPTIM_GRADER_OUTPUT_BYTES": str(config.limits.output_bytes),
        **WARM_ENV,
    }


#: Set before any module is imported, in the zygote and in every kernel alike.
WARM_ENV = {"MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            # ipykernel's debugger warns about frozen modules on every start: log noise only.
            "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def _enter_sandbox(config: SandboxConfig, scratch: Path) -> tuple[str, str, dict[str, str]]:
    """Stage 2's steps, in this process: hide the course (in namespaces, as root), move into the
    work folder, drop to the sandbox user, apply the limits, silence stdout. Returns the
    kernel's (work folder, lib folder, environment)."""
    _own_stderr(scratch)  # before the scratch folder is hidden
    if config.namespaces and is_root():
        work, lib = _isolate_filesystem(config, scratch)
    else:
        work, lib = str(scratch / "work"), str(scratch / "lib")
    env = kernel_env(config, work, lib)
    os.closerange(3, 1 << 16)  # nothing inherited from the grader stays open
    if config.user and is_root():
        record = pwd.getpwnam(config.user)
        _chown_tree(Path(work), record.pw_uid, record.pw_gid)
    os.chdir(work)
    if config.user and is_root():
        _drop_privileges(config.user)
    die_with_parent()  # the parent here: unshare (or the zygote's relay), or the grader
    _apply_limits(config.limits)
    # The kernel's own stdout is not the notebook's (that goes over the protocol): drop it.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return work, lib, env


def _own_stderr(scratch: Path) -> None:
    """Point the kernel's stderr at a file of its own scratch folder (opened before the
    namespaces hid the scratch, via /proc/self/fd), never the grader's log it inherited."""
    try:
        fd = os.open(scratch / "kernel-stderr.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND
                     | os.O_NOFOLLOW, 0o600)
    except OSError:
        fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 2)
    if fd != 2:
        os.close(fd)


def stage2(config_path: str, scratch_arg: str, kernel_args: list[str]) -> None:
    config = SandboxConfig.load(config_path)
    work, lib, env = _enter_sandbox(config, Path(scratch_arg))
    argv = [config.python, "-m", "optim_grader_boot", "-f",
            os.path.join(lib, "connection.json"), *kernel_args]
    os.execve(config.python, argv, env)


# ---------------------------------------------------------------------------------------------
# The zygote: kernels forked from a process that has already imported them.
#
# Starting Python, ipykernel, numpy and matplotlib costs about a second of CPU per kernel, more
# than everything else a submission needs. Each shard therefore starts one zygote (as the
# grader) that imports them once and then, for each kernel, forks: the child makes the same
# namespaces as ``unshare`` (mount, PID, network), forks the kernel as PID 1 of the new PID
# namespace, and the kernel goes through exactly stage 2's steps before ipykernel starts. Learner
# code runs only in that kernel, never in the zygote. The launcher (what jupyter_client started)
# stays as the kernel's stand-in: it waits for the kernel's exit status, and if it is killed the
# relay kills the kernel. Without a zygote (it failed to start), the launcher execs stage 2.

#: Imported once by the zygote: the kernel itself and what the notebooks' graded cells import.
WARM_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
                # what the kernel app imports while it initialises (its debugger above all)
                "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib",
                "IPython.core.oinspect", "IPython.extensions.storemagic", "sqlite3",
                "tornado.queues", "pdb", "pydoc",
                "numpy", "matplotlib", "matplotlib.pyplot", "helpers.data", "helpers.network",
                "helpers.plots", "helpers.surfaces", "helpers.training",
                # what IPython imports for a kernel's first traceback (every failed test cell)
                "IPython.core.ultratb", "IPython.core.logger", "stack_data",
                "pygments.lexers.python", "pygments.formatters.terminal256",
                # what every forked kernel still imported itself (measured: the modules new
                # in a kernel's sys.modules after grading a notebook): numpy's lazily loaded
                # random module (numpy.random.seed() below), tornado's asyncio loop,
                # faulthandler, psutil (ipykernel imports it for the interrupt_request that
                # precedes every shutdown: ~40 ms of CPU per kernel), the Agg backend and its
                # contour library (the first figure), numpy.testing (checks and tests use it)
                "numpy.random", "secrets", "faulthandler", "tornado.platform.asyncio", "psutil",
                "matplotlib.backends.backend_agg", "numpy.testing")


def _warm_tracebacks() -> None:
    """Format one traceback of the zygote's own in IPython's verbose style, so that forked
    kernels find pygments' lexer and style and stack_data's machinery ready: a kernel's first
    traceback (a failed test cell, a student's exception) took 0.22 s, 0.06 s after this
    (in a plain IPython shell, under load). No learner code is involved; best effort."""
    try:
        from IPython.core import ultratb

        try:
            formatter = ultratb.AutoFormattedTB(mode="Context", theme_name="linux")
        except TypeError:  # IPython < 9
            formatter = ultratb.AutoFormattedTB(mode="Context", color_scheme="Linux")
        try:
            raise ValueError("zygote warm-up")
        except ValueError:
            formatter.structured_traceback(*sys.exc_info())
    except Exception as exc:  # noqa: BLE001 - a cold traceback is only slower
        print(f"zygote: tracebacks not warmed ({type(exc).__name__}: {exc})", file=sys.stderr)

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
CLONE_NEWIPC, CLONE_NEWUTS = 0x08000000, 0x04000000
MS_NOEXEC = 8


def start_zygote(config_path: Path, socket_path: Path, wait: float = 60.0,
                 kind: str = "kernel") -> subprocess.Popen | None:
    """Start a shard's zygote and wait until it serves; None (kernels then start from
    scratch, only slower) if it does not come up."""
    import time

    process = subprocess.Popen([sys.executable, "-I", "-m", "autograder.grading.sandbox",
                                "zygote", str(config_path), str(socket_path), kind],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and process.poll() is None:
        if socket_path.exists():
            return process
        time.sleep(0.02)
    process.kill()
    process.wait()
    print(f"the {kind} zygote did not start: they start from scratch", file=sys.stderr)
    return None


def _via_zygote(socket_path: str, scratch: Path, kernel_args: list[str]) -> int | None:
    """Ask the zygote for a kernel and wait for it; its exit status, or None (no zygote)."""
    import socket

    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(socket_path)
        conn.sendall(json.dumps({"scratch": str(scratch), "kernel_args": kernel_args}).encode()
                     + b"\n")
    except OSError:
        conn.close()
        return None
    reply = b""
    while chunk := conn.recv(64):
        reply += chunk
    try:
        return int(reply.decode().strip() or "1")
    except ValueError:
        return 1


def zygote(config_path: str, socket_path: str, kind: str = "kernel") -> None:
    """Serve kernels (or, ``kind="check"``, the check's children) on ``socket_path``
    (root-only) until the shard that started us ends."""
    import importlib
    import socket

    config = SandboxConfig.load(config_path)
    die_with_parent()
    os.environ.update(WARM_ENV)
    for name in WARM_MODULES if kind == "kernel" else CHECK_WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a module not warmed is imported by the kernel
            print(f"zygote: {name} not preloaded ({type(exc).__name__}: {exc})", file=sys.stderr)
    if kind == "kernel":
        _warm_tracebacks()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # relays are reaped automatically
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    server.bind(socket_path + ".tmp")
    os.umask(old_umask)
    server.listen(64)
    os.rename(socket_path + ".tmp", socket_path)  # appears only once it accepts
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            code = 70
            try:
                server.close()
                _relay(config, conn, _zygote_kernel if kind == "kernel" else _zygote_check_child)
                code = 0
            except BaseException:  # noqa: BLE001 - the launcher gets a failure status
                traceback.print_exc()
            finally:
                os._exit(code)
        conn.close()


def _relay(config: SandboxConfig, conn, start) -> None:
    """In the zygote's child: make the namespaces, fork the kernel (``start``), report its exit
    status."""
    import selectors
    import socket

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    data, fds = b"", []
    while not data.endswith(b"\n"):
        chunk, more, _flags, _address = socket.recv_fds(conn, 1 << 16, 16)
        if not chunk:
            return
        data += chunk
        fds += more
    request = json.loads(data)
    if config.namespaces and is_root():
        flags = (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
                 | (0 if config.network else CLONE_NEWNET))
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(flags) != 0:
            raise OSError(ctypes.get_errno(), "unshare failed")
    kernel = os.fork()
    if kernel == 0:
        try:
            conn.close()
            start(config, request, fds)
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
        finally:
            os._exit(71)
    for fd in fds:
        os.close(fd)
    events = selectors.DefaultSelector()
    pidfd = os.pidfd_open(kernel)
    events.register(conn, selectors.EVENT_READ)
    events.register(pidfd, selectors.EVENT_READ)
    while True:
        for key, _ in events.select():
            if key.fileobj is conn and not conn.recv(64):  # the launcher is gone
                os.kill(kernel, signal.SIGKILL)
                os.waitpid(kernel, 0)
                return
            if key.fileobj == pidfd:
                _, status = os.waitpid(kernel, 0)
                conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                return


def _zygote_kernel(config: SandboxConfig, request: dict, fds: list[int]) -> None:
    """In the forked kernel (PID 1 of its namespace): stage 2, then ipykernel in-process."""
    scratch, kernel_args = Path(request["scratch"]), request["kernel_args"]
    die_with_parent()
    if config.namespaces and is_root():
        _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    os.closerange(3, 1 << 16)
    work, lib, env = _enter_sandbox(config, scratch)
    os.environ.clear()
    os.environ.update(env)
    # What ``python -m optim_grader_boot`` would see: the work folder, then PYTHONPATH, then
    # the installation; none of the grader's own modules.
    sys.path[:] = [work, lib, *(p for p in sys.path if p)]
    for name in [n for n in sys.modules if n == "autograder" or n.startswith("autograder.")]:
        del sys.modules[name]
    import numpy

    numpy.random.seed()  # a fresh process's global generator, not the zygote's
    import optim_grader_boot
    from ipykernel.kernelapp import IPKernelApp

    optim_grader_boot._cap_stream_output(config.limits.output_bytes)
    argv = ["-f", os.path.join(lib, "connection.json"), *kernel_args]
    sys.argv = [config.python, *argv]
    code = 0
    try:
        IPKernelApp.launch_instance(argv=argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
    os._exit(code)


# ---------------------------------------------------------------------------------------------
# The check command's children: the same walls around any Python child process.


def write_python_wrapper(path: Path, config: SandboxConfig) -> Path:
    """An executable that behaves like ``python ARGS`` but runs inside the sandbox (as root:
    new mount/PID/network namespaces, ``config.hide`` covered, private /tmp, the sandbox user).
    Given to :mod:`autograder.localcheck.isolation` as the interpreter of the check's children."""
    config_path = path.with_suffix(".json")
    config_path.write_text(json.dumps(asdict(config), indent=1), encoding="utf-8")
    repo = Path(__file__).resolve().parent.parent
    path.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH='{repo}' exec unshare --mount --pid --ipc --uts --fork --kill-child"
        " --mount-proc --net"
        f" -- '{config.python}' -m autograder.grading.sandbox child '{config_path}' \"$@\"\n",
        encoding="utf-8")
    os.chmod(path, 0o755)
    return path


def _hide_file(path: str) -> None:
    empty = "/tmp/.hidden-file"
    if not os.path.exists(empty):
        with open(empty, "w"):
            pass
        os.chmod(empty, 0)
    _mount(empty, path, None, MS_BIND, None)
    _mount("none", path, None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)


def child(config_path: str, python_args: list[str]) -> None:
    """Stage 2 for a check child: hide, drop privileges, exec ``python ARGS``."""
    config = SandboxConfig.load(config_path)
    _enter_child_sandbox(config)
    os.execv(config.python, [config.python, *python_args])


def _enter_child_sandbox(config: SandboxConfig) -> None:
    """A check child's walls, in this process (new namespaces already made): hide the masters
    and the grading files, a private /tmp with /tmp/work, the sandbox user, a file size cap."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
    _expose_interpreter(config)
    _private_tmp(config)
    if allow_list_enabled():
        _allow_list_root(config, [])
    for path in config.hide:
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0755")
        elif os.path.isfile(path):
            _hide_file(path)
    os.makedirs("/tmp/work", exist_ok=True)
    if config.user:
        record = pwd.getpwnam(config.user)
        os.chown("/tmp/work", record.pw_uid, record.pw_gid)
        os.chdir("/tmp/work")
        _drop_privileges(config.user)
    else:
        os.chdir("/tmp/work")
    cap = resource.RLIMIT_FSIZE
    resource.setrlimit(cap, (config.limits.file_bytes, config.limits.file_bytes))


# The check's children from a zygote, like the kernels: the interpreter command given to
# autograder.localcheck.isolation is this client, which hands its argv, environment and open
# files (the pipes of stdin, stdout, stderr and the data channel) to the shard's check zygote
# and then stands in for the child: it exits with the child's status, and if it is killed (the
# check's time limit) the relay kills the child. No zygote: it execs the plain wrapper.
CHECK_CLIENT = '''import json, os, signal, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    sock.connect({socket_path!r})
except OSError:
    os.execv({fallback!r}, [{fallback!r}, *sys.argv[1:]])
fds = []
for name in os.listdir("/proc/self/fd"):
    fd = int(name)
    if fd != sock.fileno():
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            pass
request = json.dumps({{"args": sys.argv[1:], "env": dict(os.environ), "fds": fds}})
socket.send_fds(sock, [request.encode() + b"\\n"], fds)
for fd in fds:
    if fd > 2:
        os.close(fd)
reply = b""
while chunk := sock.recv(64):
    reply += chunk
code = int(reply.decode().strip() or "1")
if code < 0:
    signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
os._exit(code if code >= 0 else 1)
'''

#: Imported once by the check zygote: what every check child imports (never the masters).
CHECK_WARM_MODULES = ("numpy", "autograder.localcheck.child", "importlib", "traceback",
                      "json.encoder", "resource")


def write_check_client(path: Path, socket_path: Path, fallback: Path) -> Path:
    """The check children's interpreter command when the shard runs a check zygote."""
    path.write_text(f"#!{sys.executable} -IS\n"
                    + CHECK_CLIENT.format(socket_path=str(socket_path),
                                          fallback=str(fallback)), encoding="utf-8")
    os.chmod(path, 0o755)
    return path


def _place_fds(received: list[int], targets: list[int]) -> None:
    """Put each received descriptor at the number it had in the client; close all others."""
    high = []
    for fd in received:
        high.append(fcntl.fcntl(fd, fcntl.F_DUPFD, 1000))
        os.close(fd)
    for fd, target in zip(high, targets, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    keep = sorted(set(targets) | {0, 1, 2})
    start = 0
    for fd in [*keep, 1 << 16]:
        if fd > start:
            os.closerange(start, fd)
        start = fd + 1


def _zygote_check_child(config: SandboxConfig, request: dict, fds: list[int]) -> None:
    """In the forked check child (PID 1 of its namespace): the child's walls, then what
    ``python -I -c CODE ARGS`` would run, in this process."""
    die_with_parent()
    _place_fds(fds, request["fds"])
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    _enter_child_sandbox(config)
    die_with_parent()  # again: a change of user clears it
    os.environ.clear()
    os.environ.update(request["env"])
    args = list(request["args"])
    if "-c" not in args or any(a not in ("-I", "-S", "-E", "-s", "-B", "-u")
                               for a in args[:args.index("-c")]):
        os.write(2, f"check zygote: unsupported interpreter arguments {args[:3]}\n".encode())
        os._exit(2)
    code = args[args.index("-c") + 1]
    sys.argv = ["-c", *args[args.index("-c") + 2:]]
    import builtins

    exec(compile(code, "<string>", "exec"), {"__name__": "__main__", "__builtins__": builtins})
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) >= 2 and argv[0] == "child":
        child(argv[1], argv[2:])
    elif len(argv) >= 3 and argv[0] == "launch":
        launch(argv[1], argv[2], argv[3:])
    elif len(argv) >= 3 and argv[0] == "stage2":
        stage2(argv[1], argv[2], argv[3:])
    elif len(argv) in (3, 4) and argv[0] == "zygote":
        zygote(*argv[1:])
    else:
        print("usage: python -m autograder.grading.sandbox launch|stage2 CONFIG ARG [...]",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
