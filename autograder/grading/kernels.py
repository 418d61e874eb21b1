"""The sandboxed processes of one shard: grading kernels and the check's children.

:class:`Sandboxes` sets up, for one shard, everything that runs learner code: the kernel's
importable stand-ins (:func:`autograder.grading.sandbox.write_lib`), the kernelspec that launches
kernels through the sandbox, the kernel zygote, the wrapper (and its zygote) that starts the
check's children behind the same kind of walls, and the short folders of their unix sockets.
It also proves, before any submission, that a kernel can start at all (:meth:`Sandboxes.preflight`)
and takes it all down again (:meth:`Sandboxes.close`).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from autograder.grading import sandbox

#: Exit status of a shard that found the grader itself broken (no submission is to blame).
GRADER_BROKEN = 3


def kernel_start_timeout() -> float:
    """Seconds the preflight kernel has to start and answer: 60, or
    ``OPTIM_GRADER_KERNEL_START_TIMEOUT``."""
    return float(os.environ.get("OPTIM_GRADER_KERNEL_START_TIMEOUT") or 60)


class GraderBroken(RuntimeError):
    """The grading machinery cannot work here (e.g. no kernel can start): stop the run."""


class Sandboxes:
    """The kernels and check children of one shard (see the module docstring).

    ``root`` is the shard's folder (kernelspec, wrappers), ``scratch`` the parent of the
    kernels' work folders and ``inputs`` the folder of their per-submission inputs; ``hide``
    is what a kernel must not see, ``child_hide`` what a check child must not see.
    """

    def __init__(self, root: Path, *, scratch: Path, inputs: Path, limits: sandbox.Limits,
                 user: str | None, namespaces: bool, hide: list[str], child_hide: list[str]):
        self.root, self.scratch, self.inputs = root, scratch, inputs
        lib = root / "kernel_lib"
        sandbox.write_lib(lib)
        # With namespaces the kernel gets no network at all; it talks to nbgrader over unix
        # sockets (jupyter's ipc transport) in a folder of its own.
        self.ipc_dir = None
        if namespaces and user:
            self.ipc_dir = socket_dir()
            record = pwd.getpwnam(user)
            os.chown(self.ipc_dir, record.pw_uid, record.pw_gid)
            os.chmod(self.ipc_dir, 0o700)
        # The kernel zygote's socket: in a root-only folder no kernel ever sees.
        self.zygote_dir = socket_dir()
        self.zygote = self.check_zygote = None
        zygote_socket = self.zygote_dir / "zygote"
        use_zygote = not os.environ.get("OPTIM_GRADER_NO_ZYGOTE")
        config = sandbox.SandboxConfig(
            scratch_parent=str(scratch), inputs_dir=str(inputs), lib_dir=str(lib),
            user=user, namespaces=namespaces, hide=list(hide),
            network=self.ipc_dir is None,
            ipc_dir=str(self.ipc_dir) if self.ipc_dir else None, limits=limits,
            zygote=str(zygote_socket) if use_zygote else None)
        sandbox.install_kernelspec(root / "jupyter", config)
        if use_zygote:
            self.zygote = sandbox.start_zygote(root / "jupyter" / "sandbox.json", zygote_socket)
        # The check's children (learner code too) go through the same kind of walls, but they
        # need the checks package, so only the masters and the grading data are hidden.
        self.child_python = None
        if namespaces and user:
            child_config = sandbox.SandboxConfig(
                scratch_parent=str(scratch), inputs_dir=str(inputs), lib_dir=str(lib),
                user=user, namespaces=True, network=False, hide=list(child_hide),
                limits=limits)
            self.child_python = str(sandbox.write_python_wrapper(root / "child-python",
                                                                 child_config))
            if use_zygote:
                # The check's children forked from a zygote of their own (numpy and the checks
                # imported once); the plain wrapper stays as the client's fallback.
                check_socket = self.zygote_dir / "check-zygote"
                self.check_zygote = sandbox.start_zygote(root / "child-python.json",
                                                         check_socket, kind="check")
                if self.check_zygote is not None:
                    self.child_python = str(sandbox.write_check_client(
                        root / "child-python-client", check_socket, Path(self.child_python)))
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [str(root / "jupyter"), os.environ.get("JUPYTER_PATH", "")]).rstrip(os.pathsep)

    def kernel_transport(self, name: str) -> dict:
        """``KernelManager`` settings for a kernel called ``name`` (ipc sockets when the kernel
        has no network)."""
        if self.ipc_dir is None:
            return {}
        return {"transport": "ipc", "ip": str(self.ipc_dir / name)}

    def preflight(self, folder: Path) -> None:
        """Start the sandboxed kernel once in ``folder`` (``<students>/<assignment>`` below the
        launcher's root), before any submission, and fail fast if it cannot.

        A kernel that cannot start is the grader's problem, never a student's: the run stops
        with the reason instead of scoring every submission 0 (or waiting). It has
        :func:`kernel_start_timeout` seconds to answer.
        """
        from jupyter_client.manager import KernelManager

        folder.mkdir(parents=True, exist_ok=True)
        manager = KernelManager(kernel_name=sandbox.KERNEL_NAME,
                                **self.kernel_transport("preflight"))
        client = None
        try:
            manager.start_kernel(cwd=str(folder))
            client = manager.client()
            client.start_channels()
            client.wait_for_ready(timeout=kernel_start_timeout())
        except Exception as exc:  # noqa: BLE001 - every failure here means the same thing
            raise GraderBroken(f"the grading kernel cannot start: {type(exc).__name__}: {exc}"
                               ) from exc
        finally:
            if client is not None:
                client.stop_channels()
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
            manager.cleanup_resources()
            self.clean_scratch()

    def kill_kernels(self) -> int:
        """SIGKILL every kernel launcher this process started (the zygote's relay then kills
        its kernel; ``unshare --kill-child`` does the same on the exec path); how many."""
        import signal

        killed = 0
        me = os.getpid()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    command = handle.read()
            except OSError:
                continue
            args = command.split(b"\0")
            module = b"autograder.grading.sandbox"
            at = args.index(module) if module in args else -1
            if int(fields[1]) == me and 0 <= at < len(args) - 1 and args[at + 1] in (
                    b"launch", b"stage2"):
                try:
                    os.kill(int(entry), signal.SIGKILL)
                    killed += 1
                except OSError:
                    pass
        return killed

    def clean_scratch(self) -> None:
        """Remove the kernels' work folders and inputs (between submissions)."""
        for folder in (self.scratch, self.inputs):
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        for process in (self.zygote, self.check_zygote):
            if process is not None:
                process.kill()
                process.wait()
        for folder in (self.ipc_dir, self.zygote_dir):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


class SandboxKernelManager(AsyncKernelManager):
    """jupyter_client's asynchronous kernel manager, without a fixed pause at every kernel stop.

    nbgrader stops each grading kernel with ``shutdown_kernel(now=True)``: SIGKILL to the
    launcher, then jupyter_client polls whether it is gone every 0.1 s. The launcher dies within
    a few milliseconds, so the first poll always came too early and every submission waited the
    whole 0.1 s. Here the poll starts at 2 ms and backs off to jupyter_client's 0.1 s, so a
    kernel that does not die stops as before.
    """

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        delay = min(0.002, pollinterval)
        while await self._async_is_alive():
            await asyncio.sleep(delay)
            delay = min(pollinterval, delay * 2)


#: The longest path of a unix socket (``sun_path`` is 108 bytes on Linux, with its NUL).
SOCKET_PATH_MAX = 107


def socket_dir() -> Path:
    """A fresh, short folder for the kernel's unix sockets.

    A socket's path must fit in ``sun_path``; under a deep course root (a CI clone, pytest's
    temporary folders) ``<shard>/ipc/kernel-N`` did not, zmq refused it ("File name too long")
    and the kernel never started. ``/tmp/og-XXXXXXXX/kernel-N`` always fits.
    """
    parent = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
    sweep_socket_dirs(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"og-{os.getpid()}-", dir=parent))
    # jupyter_client names the sockets <ip>-<port>: leave room for a five-digit port.
    if len(str(folder / "kernel-65535")) > SOCKET_PATH_MAX:
        shutil.rmtree(folder, ignore_errors=True)
        raise GraderBroken(f"no folder short enough for the kernel's sockets: {folder}")
    return folder


def sweep_socket_dirs(parent: str) -> list[Path]:
    """Remove the socket folders of shards that are gone (killed by their watchdog or by a
    stopped run, they had no chance to); returns what was removed."""
    removed = []
    for folder in Path(parent).glob("og-*-*"):
        pid = folder.name.split("-")[1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except PermissionError:
            pass  # alive, someone else's
    return removed
