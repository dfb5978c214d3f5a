"""Kernels forked from perfnb.running.runner's fork server: fresh per unit, and like a launched kernel."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nbformat
import pytest
from jupyter_client import AsyncKernelManager

from perfnb.running import kernels, runner

# What a notebook sees of its kernel right after `from perfnb import notebook`, plus the
# state that import-time environment checks decide (pandas' options, matplotlib's rcParams).
PROBE = r'''
import json, os, sys
import matplotlib, pandas as pd
from perfnb import notebook
from matplotlib import font_manager
print(json.dumps({
    "pandas": {k: repr(pd.get_option(k)) for k in pd._config.config._registered_options},
    "rc": {k: repr(v) for k, v in matplotlib.rcParams.items()},
    "fonts": sorted(f.fname for f in font_manager.fontManager.ttflist),
    "cwd": os.getcwd(), "path": sys.path[:2], "mplbackend": os.environ.get("MPLBACKEND"),
    "names": sorted(n for n in globals() if not n.startswith("_")),
    "pid": os.getpid(), "leftover": "unit_secret" in globals(),
}))
unit_secret = 42
'''


async def _probe(manager_class) -> dict:
    manager = manager_class(kernel_name="python3")
    await manager.start_kernel(extra_arguments=["--log-level=ERROR"], cwd=str(runner.default_template().parent))
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        text = []
        reply = await client.execute_interactive(
            PROBE, timeout=60,
            output_hook=lambda msg: text.append(msg["content"]["text"])
            if msg["msg_type"] == "stream" else None)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
    return json.loads("".join(text).splitlines()[0])


@pytest.fixture(scope="module")
def fork_server():
    server = kernels.start_kernel_fork_server()
    assert server.ready()["ready"], "the fork server must be single-threaded"
    yield server
    kernels.stop_kernel_fork_server()


def test_forked_kernels_are_fresh_processes_like_launched_ones(fork_server):
    record: dict = {}
    forked_class = kernels._forking_kernel_manager(fork_server, record)
    first = asyncio.run(_probe(forked_class))
    assert record["start"].startswith("forked") and record["pid"] == first["pid"]
    second = asyncio.run(_probe(forked_class))
    launched = asyncio.run(_probe(AsyncKernelManager))
    # a new process per kernel: nothing the first one defined reaches the second
    assert first["pid"] != second["pid"] != fork_server.pid
    assert not first["leftover"] and not second["leftover"]
    for key in ("pandas", "rc", "fonts", "cwd", "path", "mplbackend", "names"):
        assert first[key] == launched[key], key
        assert second[key] == launched[key], key


def test_run_unit_in_a_forked_kernel_records_it(fork_server, tmp_path):
    run = runner.run_unit(runner.default_template().parents[1] / "params" / "007.yaml",
                          out_root=tmp_path, formats=("html",))
    assert run.passed, run.message
    notebook = nbformat.read(run.out_dir / runner.NOTEBOOK_NAME, as_version=4)
    kernel = notebook.metadata["perfnb"]["kernel"]
    assert kernel["process"] == "new" and kernel["start"].startswith("forked")
    assert "perfnb.reading" in kernel["preloaded_modules"]
    assert kernel["fork_server_pid"] == fork_server.pid
    assert set(kernel["prewarmed"]) == {"narrative templates compiled", "result schema validator built",
                                       "chart font loaded"}
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
    assert (run.out_dir / "report.html").stat().st_size > 0


def test_a_dead_fork_server_falls_back_to_launching(tmp_path, monkeypatch):
    server = kernels.KernelForkServer(modules=())
    server.ready()
    server._process.kill()
    server._process.wait()
    monkeypatch.setattr(kernels, "_fork_server", server)
    kernel = runner._execute(runner.default_template(), tmp_path / "out.ipynb",
                             {"data": str(runner.default_template().parents[1] / "params"
                                          / "007.yaml")}, None)
    assert kernel["start"] == "launched"
    assert nbformat.read(tmp_path / "out.ipynb", as_version=4).cells


def test_a_shared_fork_server_forks_for_other_processes_through_its_socket(tmp_path, monkeypatch):
    """perfnb batch's one fork server: a worker reaches it by socket path and its unit's
    kernel is forked there; closing the server removes its private folder."""
    server = kernels.start_shared_kernel_fork_server()
    folder = tmp_path.parent / "unused"
    try:
        folder = Path(server.socket_path).parent
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
        connection = kernels.ForkServerConnection(server.socket_path)
        monkeypatch.setattr(kernels, "_fork_server", connection)
        kernel = runner._execute(runner.default_template(), tmp_path / "out.ipynb",
                                 {"data": str(runner.default_template().parents[1] / "params"
                                              / "007.yaml")}, None)
        assert kernel["start"].startswith("forked")
        assert kernel["fork_server_pid"] == server.pid == connection.pid
        assert "perfnb.notebook" in kernel["preloaded_modules"]
        notebook = nbformat.read(tmp_path / "out.ipynb", as_version=4)
        assert not [o for c in notebook.cells for o in c.get("outputs", [])
                    if o["output_type"] == "error"]
    finally:
        server.close()
    assert not folder.exists()
    # the server gone: the next kernel is launched as usual, and says so
    gone = kernels.ForkServerConnection(server.socket_path)
    assert gone.ready() == {}
    monkeypatch.setattr(kernels, "_fork_server", gone)
    kernel = runner._execute(runner.default_template(), tmp_path / "again.ipynb",
                             {"data": str(runner.default_template().parents[1] / "params"
                                          / "007.yaml")}, None)
    assert kernel["start"] == "launched"


class _Channel:
    """A fake ZMQ channel: hands out queued messages, raises Empty when none is left."""

    def __init__(self):
        self.queue: list[dict] = []

    async def get_msg(self, timeout=None):
        from queue import Empty
        if not self.queue:
            raise Empty
        return self.queue.pop(0)


def _message(kind, parent, **content):
    return {"msg_type": kind, "parent_header": {"msg_id": parent}, "content": content,
            "header": {}, "metadata": {}}


def _fake_client(lose_first_idle: bool):
    """A prompt client whose kernel answers each kernel_info on shell and on IOPub; the
    IOPub status of the first request is lost when ``lose_first_idle`` (IOPub not yet
    subscribed), as happens on a real start."""
    client_class = kernels._prompt_kernel_client()
    client = client_class.__new__(client_class)
    shell, iopub = _Channel(), _Channel()
    asked: list[str] = []

    def kernel_info():
        request = f"info-{len(asked)}"
        asked.append(request)
        shell.queue.append(_message("kernel_info_reply", "someone-else"))
        shell.queue.append(_message("kernel_info_reply", request, status="ok"))
        if not (lose_first_idle and len(asked) == 1):
            iopub.queue += [_message("status", request, execution_state="busy"),
                            _message("status", "someone-else", execution_state="idle"),
                            _message("status", request, execution_state="idle"),
                            _message("stream", "late-chatter", text="x")]
        return request

    async def alive():
        return True

    object.__setattr__(client, "kernel_info", kernel_info)
    object.__setattr__(client, "_async_is_alive", alive)
    object.__setattr__(client, "_handle_kernel_info_reply", lambda message: None)
    type(client).shell_channel = property(lambda self: shell)
    type(client).iopub_channel = property(lambda self: iopub)
    return client, asked, shell, iopub


@pytest.mark.parametrize("lose_first_idle", [False, True])
def test_the_prompt_client_is_ready_on_its_own_idle_status_and_asks_again_when_iopub_lost_it(
        lose_first_idle):
    client, asked, shell, iopub = _fake_client(lose_first_idle)
    asyncio.run(client._async_wait_for_ready(timeout=10))
    # ready only after the idle of a request of its own: one request, or two when the
    # first one's status never reached IOPub
    assert asked == (["info-0", "info-1"] if lose_first_idle else ["info-0"])
    assert iopub.queue == []          # what was queued behind it was drained, not waited for


def test_a_new_batch_server_removes_folders_of_dead_servers_only(tmp_path, monkeypatch):
    """A batch killed with SIGKILL leaves its server's folder behind; the next batch removes
    it, and never a live server's."""
    import socket
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / f"{kernels.SERVER_FOLDER_PREFIX}dead"
    dead.mkdir()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as gone:
        gone.bind(str(dead / kernels.SERVER_SOCKET_NAME))   # bound, then its owner died
    empty = tmp_path / f"{kernels.SERVER_FOLDER_PREFIX}empty"
    empty.mkdir()
    other = tmp_path / "not-ours"
    other.mkdir()
    live = kernels.start_shared_kernel_fork_server(modules=())
    try:
        assert not dead.exists() and not empty.exists() and other.exists()
        second = kernels.start_shared_kernel_fork_server(modules=())
        try:
            assert Path(live.socket_path).exists()          # a live server is left alone
        finally:
            second.close()
    finally:
        live.close()
