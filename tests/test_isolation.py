"""autograder.localcheck.isolation: a child process with limits that only sends plain data back."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autograder.localcheck.isolation import Limits, default_jobs, run_isolated, run_many

ENTRY = "autograder.localcheck.isolation:exec_entry"
FAST = Limits(wall_seconds=3.0, memory_bytes=512 << 20, output_bytes=10_000)


def run(source, result=None, limits=FAST):
    return run_isolated(ENTRY, {"source": source, "result": result}, limits)


def test_returns_value_and_messages_in_order():
    r = run("emit({'a': 1})\nemit([1.5, 'x'])\nx = {'answer': 42}", result="x")
    assert r.ok and r.status == "ok"
    assert r.messages == [{"a": 1}, [1.5, "x"]]
    assert r.value == {"answer": 42}
    assert r.returncode == 0


def test_prints_do_not_corrupt_the_data_channel():
    r = run("print('{\"__return__\": 666}')\nimport sys\nsys.stderr.write('noise')\nx = 7",
            result="x")
    assert r.value == 7
    assert '{"__return__": 666}' in r.stdout and "noise" in r.stderr


def test_patching_json_and_sys_in_the_child_changes_nothing():
    src = ("import json, sys, os\n"
           "json.dumps = lambda *a, **k: 'garbage'\n"
           "sys.stdout = None\n"
           "os.write = lambda fd, data: len(data)\n"
           "emit({'still': 'fine'})\n"
           "x = 5\n")
    r = run(src, result="x")
    assert r.ok and r.value == 5 and r.messages == [{"still": "fine"}]


def test_infinite_loop_times_out_and_keeps_earlier_messages():
    start = time.monotonic()
    r = run("emit('before')\nwhile True:\n    pass", limits=Limits(wall_seconds=1.0))
    assert r.status == "timeout"
    assert r.messages == ["before"]
    assert "1 s" in r.reason
    assert time.monotonic() - start < 10


def test_memory_limit_raises_memory_error_in_the_child():
    r = run("x = bytearray(2 * 1024 ** 3)", limits=Limits(memory_bytes=512 << 20))
    assert r.status == "memory", r


def test_output_flood_is_capped_and_does_not_block():
    r = run("import sys\nfor _ in range(3000):\n    sys.stdout.write('x' * 10000)\ny = 1",
            result="y", limits=Limits(wall_seconds=10, output_bytes=50_000))
    assert r.ok and r.value == 1
    assert r.truncated and len(r.stdout) + len(r.stderr) <= 50_000


def test_endless_flood_times_out_with_bounded_output():
    r = run("while True:\n    print('y' * 100000)", limits=Limits(wall_seconds=1.5,
                                                                 output_bytes=100_000))
    assert r.status == "timeout" and r.truncated
    assert len(r.stdout) <= 100_000


def test_os_exit_is_reported():
    r = run("emit(1)\nimport os\nos._exit(0)")
    assert r.status == "exited" and r.messages == [1]
    assert "exit code 0" in r.reason


def test_segfault_is_reported():
    r = run("import ctypes\nctypes.string_at(0)")
    assert r.status == "crashed"
    assert "SIGSEGV" in r.reason


def test_exception_in_entry_is_reported():
    r = run("raise ValueError('bad')")
    assert r.status == "error" and "ValueError" in r.reason


def test_forked_grandchild_does_not_hold_the_parent():
    start = time.monotonic()
    r = run("import os, time\nif os.fork() == 0:\n    time.sleep(30)\nx = 3", result="x",
            limits=Limits(wall_seconds=20))
    assert r.ok and r.value == 3
    assert time.monotonic() - start < 15  # not the grandchild's 30 s


def test_stdin_is_closed():
    r = run("x = input.__name__\ntry:\n    input()\nexcept EOFError:\n    x = 'eof'", result="x")
    assert r.value == "eof"


def test_run_many_keeps_order_and_runs_in_parallel():
    source = ("import time\nstart = time.time()\ntime.sleep(1.0)\n"
              "x = [{i}, start, time.time()]")
    jobs = [(ENTRY, {"source": source.format(i=i), "result": "x"}) for i in range(3)]
    results = run_many(jobs, Limits(wall_seconds=30), workers=3)
    assert [r.value[0] for r in results] == [0, 1, 2]
    starts, ends = [r.value[1] for r in results], [r.value[2] for r in results]
    assert max(starts) < min(ends)  # all three were sleeping at the same time


def test_limits_from_env_and_overrides():
    env = {"AUTOGRADER_TIMEOUT": "2.5", "AUTOGRADER_MEMORY_MB": "256",
           "AUTOGRADER_OUTPUT_BYTES": "123"}
    limits = Limits.from_env(env)
    assert limits == Limits(wall_seconds=2.5, memory_bytes=256 << 20, output_bytes=123)
    assert Limits.from_env(env, wall_seconds=4.0, output_bytes=None).wall_seconds == 4.0
    assert Limits.from_env({}) == Limits()
    assert default_jobs({"AUTOGRADER_JOBS": "3"}) == 3


@pytest.mark.parametrize("entry", ["no.such.module:main", "autograder.localcheck.isolation:nope"])
def test_bad_entry_point(entry):
    r = run_isolated(entry, {}, FAST)
    assert r.status == "error"


# ----------------------------------------------------------------------------- issue 15
def test_deeply_nested_messages_are_dropped_not_raised():
    """A message nested 200 000 deep on the data channel: before, ``json.loads`` raised
    RecursionError out of run_isolated (the whole check crashed); now that line is ignored and
    the rest of the channel is read."""
    r = run("import os, sys\nfd = int(sys.argv[1])\n"
            "os.write(fd, b'[' * 200000 + b']' * 200000 + b'\\n')\n"
            "os.write(fd, b'{\"a\":' * 100000 + b'1' + b'}' * 100000 + b'\\n')\n"
            "emit({'after': 1})\nx = 5", result="x")
    assert r.ok and r.value == 5
    assert r.messages == [{"after": 1}]
    assert "2 unreadable data line(s) ignored" in r.reason


def test_orphans_of_children_are_swept_by_a_subreaper(tmp_path):
    """In a process that is a child subreaper (the check command), a double-forked daemon of a
    child is adopted by it and killed after the child; run in a separate Python so the test
    runner does not become a subreaper."""
    import subprocess
    import sys

    marker = tmp_path / "alive"
    code = f"""
import sys, time
from autograder.localcheck import isolation
assert isolation.become_subreaper()
source = '''import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            open({str(marker)!r}, "a").write("x")
            time.sleep(0.05)
    os._exit(0)
time.sleep(0.3)
x = 1'''
r = isolation.run_isolated("autograder.localcheck.isolation:exec_entry",
                           {{"source": source, "result": "x"}},
                           isolation.Limits(wall_seconds=5))
assert r.value == 1, r
print("swept", isolation.sweep_orphans())
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    # The sweep after the child (the quick one: our own children's list) already killed it.
    assert "swept 0" in result.stdout, result.stdout
    assert marker.exists()
    size = marker.stat().st_size
    time.sleep(0.5)
    assert marker.stat().st_size == size, "the daemon outlived its check"


def test_our_children_are_listed_from_every_thread():
    """The quick sweep's list of our children holds a child started from another thread."""
    import subprocess
    import sys
    import threading

    from autograder.localcheck import isolation
    if isolation._children_now() is None:
        pytest.skip("this kernel does not list a thread's children")
    started = []
    thread = threading.Thread(target=lambda: started.append(
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])))
    thread.start()
    thread.join()
    proc = started[0]
    try:
        assert proc.pid in isolation._children_now()
    finally:
        proc.kill()
        proc.wait()
    assert proc.pid not in isolation._children_now()


# ----------------------------------------------------------------------------- warm children
HOSTILE_SOURCES = {
    "value": ("emit({'a': 1})\nx = {'answer': 42}", "x"),
    "timeout": ("emit('before')\nwhile True:\n    pass", None),
    "memory": ("x = bytearray(2 * 1024 ** 3)", None),
    "os_exit": ("emit(1)\nimport os\nos._exit(0)", None),
    "segfault": ("import ctypes\nctypes.string_at(0)", None),
    "exception": ("raise ValueError('bad')", None),
    "flood": ("import sys\nfor _ in range(300):\n    sys.stdout.write('x' * 10000)\ny = 1", "y"),
    "stdin": ("try:\n    input()\nexcept EOFError:\n    x = 'eof'", "x"),
    "argv_fd": ("import os, sys\nos.write(int(sys.argv[1]), b'[7]\\n')\nx = len(sys.argv)", "x"),
    "patched_json": ("import json, os\njson.dumps = lambda *a, **k: 'garbage'\n"
                     "os.write = lambda fd, data: len(data)\nemit({'still': 'fine'})\nx = 5", "x"),
    "cwd_empty": ("import os\nx = [os.listdir('.'), os.getcwd().startswith('/')]", "x"),
}


def _summary(r):
    return (r.status, r.value, r.messages, r.returncode, r.truncated, r.reason.split(" (")[0])


def test_warm_children_behave_as_fresh_ones():
    """Every hostile behaviour gives the same result from a child forked by the zygote as from
    a new Python, and the warm ones really were forked (their parent is the zygote)."""
    from autograder.localcheck.isolation import start_zygote
    limits = Limits(wall_seconds=1.5, memory_bytes=512 << 20, output_bytes=50_000)
    jobs = [(ENTRY, {"source": s, "result": r}) for s, r in HOSTILE_SOURCES.values()]
    fresh = run_many(jobs, limits, workers=3)
    zygote = start_zygote(ENTRY)
    assert zygote is not None
    try:
        warm = run_many(jobs, limits, workers=3, zygote=zygote)
        parent = run_many([(ENTRY, {"source": "import os\nx = os.getppid()", "result": "x"})],
                          limits, zygote=zygote)[0]
        assert zygote.alive
        assert parent.value == zygote.proc.pid
    finally:
        zygote.close()
    for name, f, w in zip(HOSTILE_SOURCES, fresh, warm, strict=True):
        assert _summary(w) == _summary(f), name
    assert [r.status for r in warm][:6] == ["ok", "timeout", "memory", "exited", "crashed",
                                            "error"]


def test_a_warm_child_cannot_reach_the_next_one(tmp_path):
    """What one child does to its process (numpy, builtins, the checks, sys.modules) is not in
    the next child forked by the same zygote; a child that kills the zygote dies with it, and
    the next child then starts as a new Python with the right result."""
    from autograder.localcheck.isolation import start_zygote
    spoil = ("import builtins, sys, numpy as np\nimport autograder.checks.probe as probe\n"
             "np.allclose = lambda *a, **k: True\nbuiltins.len = lambda x: 0\n"
             "probe.SPOILED = True\nsys.modules['json'] = None\nx = 'spoiled'")
    look = ("import builtins, json, numpy as np\nimport autograder.checks.probe as probe\n"
            "x = [np.allclose(1, 2), len([1, 2]), hasattr(probe, 'SPOILED'), json.dumps(1)]")
    kill = "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(5)"
    zygote = start_zygote("autograder.localcheck.child:main")
    assert zygote is not None
    entry = "autograder.localcheck.isolation:exec_entry"
    try:
        # exec_entry is not the zygote's entry: those children are new Pythons.
        assert run_many([(entry, {"source": "x = 1", "result": "x"})], FAST,
                        zygote=zygote)[0].value == 1
    finally:
        zygote.close()
    zygote = start_zygote(entry)
    try:
        spoiled, looked, killed, after = run_many(
            [(entry, {"source": s, "result": "x"}) for s in (spoil, look, kill, look)],
            Limits(wall_seconds=10), workers=1, zygote=zygote)
        assert spoiled.value == "spoiled"
        assert looked.ok and looked.value == [False, 2, False, "1"]
        assert killed.status == "crashed" and "SIGKILL" in killed.reason
        assert not zygote.alive
        assert after.ok and after.value == [False, 2, False, "1"]
    finally:
        zygote.close()


def test_no_warm_children_behind_a_child_python_wrapper(monkeypatch):
    from autograder.localcheck import isolation
    monkeypatch.setenv(isolation.CHILD_PYTHON_ENV, "/usr/bin/python3")
    assert isolation.start_zygote(ENTRY) is None


def test_a_prestarted_zygote_is_the_one_the_check_takes():
    """``python -m autograder check`` starts its children's zygote before importing the judge;
    the command's entry point is the one prestarted, and the zygote is taken once."""
    from autograder import __main__ as entry_module
    from autograder.localcheck import command, isolation
    assert f'prestart_zygote("{command.ENTRY}")' in Path(entry_module.__file__).read_text()
    isolation.prestart_zygote(command.ENTRY)
    early = isolation._prestarted
    assert early is not None
    taken = isolation.start_zygote(command.ENTRY)
    try:
        assert taken is early and isolation._prestarted is None
        second = isolation.start_zygote(command.ENTRY)
        assert second is not early
        second.close()
    finally:
        taken.close()
