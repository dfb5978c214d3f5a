"""Kernels forked from a pre-imported process, for batch workers.

A kernel start costs ~1 s of CPU for ipykernel and ~2 s for the template's imports
(pandas, openpyxl, matplotlib, perfnb), more than the notebook's own work.  In a batch each
worker keeps a fork server: a process that has imported ipykernel and those modules and
nothing else.  For each unit it forks a child that becomes the unit's kernel: a new
process, so no state of one unit reaches another, with the imports already done
(copy-on-write).  The provenance of the executed notebook records that the kernel was
forked and which modules it had imported before the unit's parameters were injected.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys

__all__ = ["KernelForkServer", "ForkServerConnection", "KERNEL_PRELOAD",
           "start_kernel_fork_server", "start_shared_kernel_fork_server",
           "connect_kernel_fork_server", "stop_kernel_fork_server", "forking_kernel_manager"]

# Not perfnb.reporting.charts: importing it selects matplotlib's Agg backend, which a kernel does only
# when the notebook first draws a chart.  What it imports is here.
KERNEL_PRELOAD = ("IPython.display", "pandas", "openpyxl", "matplotlib", "matplotlib.figure",
                  "matplotlib.patches", "perfnb.notebook", "perfnb.reading", "perfnb.evaluation.scoring",
                  "perfnb.evaluation.audit", "perfnb.evaluation.result", "perfnb.reporting.narrative", "perfnb.reporting.fonts",
                  "perfnb.reporting.summary",
                  # the summary notebook's: it checks each result.json against the schema
                  # and shows the red flags (jsonschema's IRI grammar, ~2 s of CPU, is
                  # deferred to its first use: perfnb.lazymodules)
                  "jsonschema", "perfnb.schemas", "perfnb.evaluation.redflags",
                  # the copy check across units (MinHash): 0.3 s in each department summary
                  # of two units or more, once here instead
                  "datasketch")
_fork_server: "KernelForkServer | ForkServerConnection | None" = None
LISTEN_OPTION = "--listen-fd="


class KernelForkServer:
    """A process that imports ipykernel and ``modules`` once, then forks one kernel per request.

    Requests and replies are JSON lines on the server's stdin/stdout.  The server dies with
    the process that started it (Linux parent-death signal, and end of its stdin), and each
    kernel dies with the server.  Thread-safe.
    """

    def __init__(self, modules=KERNEL_PRELOAD, listen: str | None = None) -> None:
        import subprocess
        import threading

        code = ("import sys\n"
                "if sys.path and sys.path[0] == '': del sys.path[0]\n"
                "from perfnb.running.kernels import _fork_server_main\n"
                "_fork_server_main(sys.argv[1:])\n")
        self._lock = threading.Lock()
        self.socket_path = listen   # also serves other processes there (see ForkServerConnection)
        options, listener = [], None
        if listen:
            # Bound and listening before the server starts: a process that connects while
            # the server still imports waits in the backlog instead of finding no socket.
            import socket
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(listen)
            listener.listen(64)
            options = [f"{LISTEN_OPTION}{listener.fileno()}"]
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", code, *options, *modules], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1,
                pass_fds=[listener.fileno()] if listener else ())
        finally:
            if listener is not None:
                listener.close()   # the server has its own copy
        self._ready: dict | None = None

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid

    def _reply(self) -> dict:
        line = self._process.stdout.readline()
        if not line:
            raise OSError("the kernel fork server has exited")
        return json.loads(line)

    def ready(self) -> dict:
        """Wait until the server has imported its modules; its ready message."""
        with self._lock:
            if self._ready is None:
                self._ready = self._reply()
            return self._ready

    def can_fork(self, kernel_cmd: list[str]) -> bool:
        """Whether ``kernel_cmd`` starts an ipykernel of this very Python (what we can fork)."""
        return _forkable_command(kernel_cmd) and self.alive

    def fork(self, argv: list[str], cwd: str | None, env: dict | None) -> int:
        """Fork a kernel with ipykernel's command-line ``argv``; its process id."""
        self.ready()
        request = {"argv": list(argv), "cwd": str(cwd or os.getcwd()),
                   "env": dict(env if env is not None else os.environ)}
        with self._lock:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            return int(self._reply()["pid"])

    def close(self) -> None:
        # The server holds nothing worth a clean exit (its kernels have their own managers).
        with contextlib.suppress(OSError):
            self._process.kill()
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        if self.socket_path:
            import shutil
            shutil.rmtree(os.path.dirname(self.socket_path), ignore_errors=True)


def _forkable_command(kernel_cmd: list[str]) -> bool:
    """Whether ``kernel_cmd`` starts an ipykernel of this very Python (what a server forks)."""
    return (len(kernel_cmd) >= 3 and os.path.realpath(kernel_cmd[0]) == os.path.realpath(
                sys.executable) and kernel_cmd[1:3] == ["-m", "ipykernel_launcher"])


class ForkServerConnection:
    """Another process's :class:`KernelForkServer`, reached through its Unix socket.

    ``perfnb batch`` starts one fork server for the whole batch as it starts (its imports
    overlap the planning) and every worker forks its kernels there: one set of imports
    instead of one per worker, and the first kernel is ready sooner.  Same interface as
    the server object; a server that is gone makes kernels start as usual.
    """

    def __init__(self, path: str) -> None:
        self.socket_path = path
        self._ready: dict | None = None
        self._gone = False

    @property
    def alive(self) -> bool:
        return not self._gone

    @property
    def pid(self) -> int | None:
        return self.ready().get("pid")

    def _ask(self, request: dict) -> dict:
        import socket
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.connect(self.socket_path)
                connection.sendall((json.dumps(request) + "\n").encode("utf-8"))
                with connection.makefile("r", encoding="utf-8") as answers:
                    line = answers.readline()
        except OSError:
            self._gone = True
            raise
        if not line:
            self._gone = True
            raise OSError("the kernel fork server has exited")
        return json.loads(line)

    def ready(self) -> dict:
        """The server's ready message (waits while it imports); {} when it is gone."""
        if self._ready is None:
            try:
                self._ready = self._ask({"hello": True})
            except (OSError, ValueError):
                return {}
        return self._ready

    def can_fork(self, kernel_cmd: list[str]) -> bool:
        return _forkable_command(kernel_cmd) and self.alive

    def fork(self, argv: list[str], cwd: str | None, env: dict | None) -> int:
        request = {"argv": list(argv), "cwd": str(cwd or os.getcwd()),
                   "env": dict(env if env is not None else os.environ)}
        return int(self._ask(request)["pid"])

    def close(self) -> None:
        """Nothing to do: the server belongs to the process that started it."""


def start_kernel_fork_server(modules=KERNEL_PRELOAD) -> KernelForkServer:
    """Let this process's notebooks run in kernels forked from a pre-imported server.

    Units (:func:`run_unit`) and every other papermill execution in this process that uses
    papermill's default engine (the batch summaries) then get forked kernels.
    """
    global _fork_server
    if _fork_server is None or not _fork_server.alive:
        _fork_server = KernelForkServer(modules)
        _install_default_engine()
    return _fork_server


def start_shared_kernel_fork_server(modules=KERNEL_PRELOAD) -> KernelForkServer:
    """A fork server that other processes of this user reach by its ``socket_path`` (in a
    new private folder, removed by ``close()``); it starts importing at once."""
    import tempfile
    _remove_dead_server_folders(tempfile.gettempdir())
    folder = tempfile.mkdtemp(prefix=SERVER_FOLDER_PREFIX)   # mode 0700: only this user
    return KernelForkServer(modules, listen=os.path.join(folder, SERVER_SOCKET_NAME))


SERVER_FOLDER_PREFIX = "perfnb-kernels-"
SERVER_SOCKET_NAME = "fork.sock"


def _remove_dead_server_folders(temp: str) -> None:
    """Folders of earlier batches' servers that could not remove their own (a batch killed
    with SIGKILL or SIGTERM): this user's, whose socket nobody listens on any more.  A live
    server's socket is listening from before its server starts, so it is never taken."""
    import shutil
    import socket
    try:
        names = [name for name in os.listdir(temp) if name.startswith(SERVER_FOLDER_PREFIX)]
    except OSError:
        return
    for name in names:
        folder = os.path.join(temp, name)
        with contextlib.suppress(OSError):
            if os.lstat(folder).st_uid != os.getuid():
                continue
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect(os.path.join(folder, SERVER_SOCKET_NAME))
                    continue                       # a live server: leave it
                except (ConnectionRefusedError, FileNotFoundError):
                    pass
            shutil.rmtree(folder, ignore_errors=True)


def connect_kernel_fork_server(path: str) -> ForkServerConnection:
    """Let this process's notebooks run in kernels forked by the server at ``path``."""
    global _fork_server
    _fork_server = ForkServerConnection(path)
    _install_default_engine()
    return _fork_server


def stop_kernel_fork_server() -> None:
    global _fork_server
    server, _fork_server = _fork_server, None
    if server is not None:
        server.close()


def _install_default_engine() -> None:
    """Make papermill's default engine fork its kernels while a fork server runs here."""
    from papermill.engines import NBClientEngine, papermill_engines

    class ForkedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            server = _fork_server
            if server is not None and server.alive:
                kwargs.setdefault("kernel_manager_class", _forking_kernel_manager(server, {}))
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(None, ForkedKernelEngine)


def _set_parent_death_signal(signum: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signum)  # PR_SET_PDEATHSIG


def _fork_server_main(arguments: list[str]) -> None:
    """The fork server's main loop (runs in its own process; see :class:`KernelForkServer`)."""
    import signal
    import threading

    _set_parent_death_signal(signal.SIGKILL)
    listener = None
    modules = [name for name in arguments if not name.startswith(LISTEN_OPTION)]
    for option in arguments:
        if option.startswith(LISTEN_OPTION):  # a listening socket handed over by descriptor
            import socket
            listener = socket.socket(fileno=int(option[len(LISTEN_OPTION):]))
    # As ipykernel does before the notebook imports matplotlib.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import builtins

    import ipykernel_launcher
    from ipykernel import kernelapp  # noqa: F401

    # Some modules look at import time whether they run in a Jupyter kernel (pandas shows
    # at most 20 columns there, and fits the terminal otherwise): answer as a kernel would.
    class KernelShell:
        kernel = None

    builtins.get_ipython = KernelShell
    # ... and see the kernel's stdout (pandas takes its display.encoding from it)
    import io
    stdout, sys.stdout = sys.stdout, io.TextIOWrapper(io.BytesIO(), encoding="UTF-8")
    loaded = []
    try:
        for name in modules:
            try:
                __import__(name)
            except Exception:  # a module that fails here fails in the kernel, where it shows
                continue
            loaded.append(name)
    finally:
        del builtins.get_ipython
        sys.stdout = stdout
    warmed = _warm_kernel_caches()
    # What the server imported stays shared with its kernels: the garbage collector of a
    # kernel would otherwise walk (and so copy, page by page) every object of those modules
    # in its first full collection (~0.15 s of a unit's CPU with scipy preloaded).
    import gc
    gc.collect()
    gc.freeze()
    # Forking is only safe from a single-threaded process.
    forkable = threading.active_count() == 1
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernels are reaped as they exit
    ready = json.dumps({"ready": forkable, "modules": loaded, "warmed": warmed,
                        "pid": os.getpid()})
    reply = sys.stdout
    reply.write(ready + "\n")
    reply.flush()

    def serve(line: str, answer, inherited: list) -> None:
        request = json.loads(line)
        if request.get("hello"):
            answer(ready)
            return
        pid = os.fork()
        if pid == 0:
            for descriptor in inherited:   # the kernel keeps none of the server's sockets
                with contextlib.suppress(OSError):
                    descriptor.close()
            _become_kernel(request, ipykernel_launcher.__file__)
        answer(json.dumps({"pid": pid}))

    def on_stdout(text: str) -> None:
        reply.write(text + "\n")
        reply.flush()

    if listener is None:
        for line in sys.stdin:
            serve(line, on_stdout, [])
        return
    # One request per connection, one connection at a time: the server stays single-threaded
    # (forking is only safe so).  The end of stdin (the starting process is gone) ends it.
    import selectors
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is not listener:
                if not os.read(sys.stdin.fileno(), 4096):
                    return
                continue
            connection, _ = listener.accept()
            with connection, connection.makefile("rw", encoding="utf-8") as stream:
                def on_socket(text: str, stream=stream) -> None:
                    stream.write(text + "\n")
                    stream.flush()
                with contextlib.suppress(OSError, ValueError):
                    line = stream.readline()
                    if line:
                        serve(line, on_socket, [stream, connection, listener, selector])


def _warm_kernel_caches() -> list[str]:
    """Fill the caches every unit's first use would fill, from files of perfnb only.

    No unit's data is read: the narrative's Jinja templates are compiled and the chart font
    is loaded by drawing a blank figure (matplotlib's settings and font list are restored
    afterwards).
    Saves ~0.5 s per unit.  Returns what was warmed, for the provenance.
    """
    warmed = []
    with contextlib.suppress(Exception):
        from perfnb.reporting.narrative import environment, typst_environment
        for templates, suffix in ((environment(), ".html.j2"), (typst_environment(), ".typ.j2")):
            for name in templates.list_templates(filter_func=lambda n, s=suffix: n.endswith(s)):
                templates.get_template(name)
        warmed.append("narrative templates compiled")
    with contextlib.suppress(Exception):
        from perfnb.schemas import result_problems
        result_problems({})  # builds the result schema's validator (perfnb's own file)
        warmed.append("result schema validator built")
    with contextlib.suppress(Exception):
        import matplotlib
        from matplotlib.figure import Figure

        from perfnb.reporting.fonts import use_cjk_font
        from perfnb.reporting.figures import figure_png, figure_svg
        from matplotlib import font_manager
        fonts = list(font_manager.fontManager.ttflist)
        with matplotlib.rc_context():
            use_cjk_font()
            figure = Figure(figsize=(2, 1))
            figure.text(0.1, 0.5, "项目支出绩效自评 0123456789.%")
            figure_png(figure)
            figure_svg(figure)  # the SVG backend too: charts carry an SVG for the PDF
        # keep the parsed font file (matplotlib's font cache), not its registration
        font_manager.fontManager.ttflist[:] = fonts
        font_manager.fontManager._findfont_cached.cache_clear()
        warmed.append("chart font loaded")
    return warmed


def _become_kernel(request: dict, launcher: str) -> None:
    """In a freshly forked child: run ipykernel as ``python -m ipykernel_launcher`` would."""
    import signal
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _set_parent_death_signal(signal.SIGKILL)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(2, 1)  # fd 1 is the server's reply pipe
        os.close(devnull)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # ipykernel exits when the server does (it read JPY_PARENT_PID at import, unset then)
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = [launcher, *argv]
        from ipykernel import kernelapp
        kernelapp.launch_new_instance(argv=argv)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        import atexit
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


class _ForkedKernelProcess:
    """A Popen-like handle of a kernel forked by the fork server (not our child)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self._pidfd = None

    def poll(self) -> int | None:
        return self.wait(timeout=0) if self.returncode is None else self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        import select
        import time
        if self.returncode is not None:
            return self.returncode
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._pidfd is not None:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                exited = bool(select.select([self._pidfd], [], [], remaining)[0])
            else:
                try:
                    os.kill(self.pid, 0)
                    exited = False
                except ProcessLookupError:
                    exited = True
            if exited:
                self.returncode = 0  # the exit status belongs to the fork server
                if self._pidfd is not None:
                    os.close(self._pidfd)
                    self._pidfd = None
                return self.returncode
            if deadline is not None and time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        import signal
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        import signal
        self.send_signal(signal.SIGKILL)


KERNEL_EXIT_POLL = 0.005   # seconds between looks at a killed forked kernel
IOPUB_READY_WAIT = 0.2     # seconds to wait for a kernel_info's idle status on IOPub (as
                           # jupyter_client waits), before asking again


def _prompt_kernel_client():
    """An AsyncKernelClient that is ready as soon as the kernel has answered on both channels.

    jupyter_client's ``wait_for_ready`` ends by "flushing" IOPub: it reads until nothing
    came for 0.2 s, so every kernel start idles 0.2 s (a fifth of a unit's notebook on the
    sample units).  Here readiness is what that wait tries to make sure of, asked directly:
    the ``kernel_info_reply`` on shell, then on IOPub the kernel's ``idle`` status for that
    very request, which proves the subscription is connected and that everything the
    kernel published before it has arrived.  Messages already queued are drained without
    waiting.  A request whose status is lost (IOPub not yet connected) is asked again, as
    jupyter_client does.  nbclient reads only the messages of its own requests anyway.
    """
    import time
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.utils import ensure_async

    class PromptKernelClient(AsyncKernelClient):
        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.time() + (float("inf") if timeout is None else timeout)
            while True:
                request = self.kernel_info()
                if await self._prompt_reply(request) and await self._prompt_idle(request):
                    break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.time() > deadline:
                    raise RuntimeError("Kernel didn't respond in %d seconds" % timeout)
            while True:  # drain what is queued, without waiting for more
                try:
                    await ensure_async(self.iopub_channel.get_msg(timeout=0))
                except Empty:
                    break

        async def _prompt_reply(self, request: str) -> bool:
            while True:
                try:
                    message = await ensure_async(self.shell_channel.get_msg(timeout=1))
                except Empty:
                    return False
                if (message["msg_type"] == "kernel_info_reply"
                        and message["parent_header"].get("msg_id") == request):
                    self._handle_kernel_info_reply(message)
                    return True

        async def _prompt_idle(self, request: str) -> bool:
            while True:
                try:
                    message = await ensure_async(
                        self.iopub_channel.get_msg(timeout=IOPUB_READY_WAIT))
                except Empty:
                    return False
                if (message["msg_type"] == "status"
                        and message["content"].get("execution_state") == "idle"
                        and message["parent_header"].get("msg_id") == request):
                    return True

    return PromptKernelClient


def _forking_kernel_manager(server: KernelForkServer, record: dict):
    """An AsyncKernelManager class whose kernels ``server`` forks; notes how in ``record``."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner
    from traitlets import default

    class ForkingKernelManager(AsyncKernelManager):
        @default("client_factory")
        def _client_factory_default(self):
            return _prompt_kernel_client()

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            # jupyter_client polls a dying kernel every 0.1 s; a forked kernel's exit is
            # seen on its pidfd within milliseconds of the SIGKILL (shutdown "immediate").
            if isinstance(getattr(self.provisioner, "process", None), _ForkedKernelProcess):
                pollinterval = min(pollinterval, KERNEL_EXIT_POLL)
            await super()._async_wait(pollinterval=pollinterval)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            if not (isinstance(self.provisioner, LocalProvisioner) and server.can_fork(kernel_cmd)
                    and server.ready().get("ready")):
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            try:
                pid = server.fork(kernel_cmd[3:], kw.get("cwd"), kw.get("env"))
            except (OSError, ValueError):  # the server is gone: start the kernel as usual
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner = self.provisioner
            provisioner.process = _ForkedKernelProcess(pid)
            provisioner.pid = provisioner.pgid = pid  # the kernel leads its own session
            provisioner.cwd = kw.get("cwd") or os.getcwd()
            self._reconcile_connection_info(provisioner.connection_info)
            record.update(process="new", start="forked from a pre-imported fork server",
                          preloaded_modules=server.ready().get("modules", []),
                          prewarmed=server.ready().get("warmed", []),
                          fork_server_pid=server.pid, pid=pid)

    return ForkingKernelManager


def forking_kernel_manager(record: dict):
    """The kernel manager class for one papermill execution, or None to launch as usual.

    While a fork server runs in this process, kernels are forked from it and ``record``
    notes how (for the provenance).
    """
    server = _fork_server
    if server is not None and server.alive:
        return _forking_kernel_manager(server, record)
    return None
