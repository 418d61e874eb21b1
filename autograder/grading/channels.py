"""The client side of a kernel: channels that cannot miss a message, and a client built on them.

:class:`ReadyKernelClient` is how the grader (``make grade``, and nbgrader run from
``autograder/``: ``nbgrader_config.py``) and every headless run in the tests and benchmarks
(:func:`notebook_client`) talk to a kernel. This module needs only jupyter_client and traitlets,
so a venv without the course (the students' package test) can load it by its path.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

#: What ``AsyncKernelManager.client_class`` names to reach kernels through
#: :class:`ReadyKernelClient` (this module's own name: the students' package test loads it by
#: its path, under another).
CLIENT_CLASS = f"{__name__}.ReadyKernelClient"


class SlicedPollChannel(AsyncZMQSocketChannel):
    """A kernel channel whose waits look at the socket again at least every second.

    zmq.asyncio learns of a message through the socket's edge-triggered ``zmq.FD``; when that
    wake-up is missed, ``get_msg(timeout=600)`` sleeps the whole 600 s with the reply waiting
    and returns it only when the final poll at the timeout finds it. Headless runs of notebook
    07 stalled exactly so (about 600 s, kernel idle, then a normal finish), now and then, in the
    tests and a benchmark (see nbclient issue 312 and pyzmq issue 2173). A wait here is a
    series of polls of at most ``POLL_SLICE`` seconds, each of which ends by asking the socket
    itself, so a missed wake-up costs at most that slice. Timeouts mean what they meant.
    """

    POLL_SLICE = 1.0

    async def get_msg(self, timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = self.POLL_SLICE if deadline is None else (
                max(0.0, min(self.POLL_SLICE, deadline - time.monotonic())))
            try:
                return await super().get_msg(timeout=wait)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class ReadyKernelClient(AsyncKernelClient):
    """jupyter_client's asynchronous client, without a fixed pause at every kernel start.

    Once the kernel has answered ``kernel_info`` on the shell channel and IOPub is connected,
    jupyter_client still reads IOPub until 0.2 s pass without a message; for a notebook that
    runs in well under a second that pause was a fifth of its kernel's time. Here IOPub is only
    emptied of what has already arrived: nbclient reads only replies to its own requests, so a
    late status message from the start-up is ignored anyway.

    Its channels are :class:`SlicedPollChannel`: no wait on a missed wake-up.
    """

    shell_channel_class = Type(SlicedPollChannel)
    iopub_channel_class = Type(SlicedPollChannel)
    stdin_channel_class = Type(SlicedPollChannel)
    control_channel_class = Type(SlicedPollChannel)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # IOPub connected as well? Otherwise ask again.
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break


def notebook_client(notebook, **options):
    """nbclient's ``NotebookClient`` for ``notebook``, its kernel reached through
    :class:`ReadyKernelClient` (no wait on a missed wake-up): what the tests and benchmarks
    use to run a notebook headless. ``options`` go to ``NotebookClient``."""
    from nbclient import NotebookClient
    from traitlets.config import Config

    config = Config()
    config.AsyncKernelManager.client_class = CLIENT_CLASS
    return NotebookClient(notebook, config=config, **options)
