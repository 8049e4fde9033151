"""Servers the end-to-end runs start: free loopback ports, bounded waits, guaranteed stops.

Every process started here is registered with :mod:`atexit` as well as being
stopped by its context manager, so an interrupted run (Ctrl-C, a failing test)
never leaves a Prometheus behind; on Linux the kernel stops it too when the
process that started it is killed (see :func:`_die_with_parent`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

LOOPBACK = "127.0.0.1"

_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


class ServerError(RuntimeError):
    """A server did not start or did not become ready in time."""


def free_port() -> int:
    """A TCP port free on the loopback interface right now.

    Only *right now*: another process (a parallel test worker, another suite on
    the machine) may take it before the server this is for binds it. Start
    servers with :func:`start_on_free_port`, which tries another port then.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


_TCP_LISTEN = "0A"


def listens_on(pid: int, port: int) -> bool | None:
    """Whether process ``pid`` holds a listening TCP socket on ``port``; None when
    this system cannot tell (no ``/proc``, as on macOS).

    A readiness probe alone cannot tell: when another process took the port that
    :func:`free_port` found, *it* answers the probe (another suite's Prometheus
    answers ``/-/ready`` with 200) while ours fails to bind.
    """
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except FileNotFoundError:
        return False if os.path.isdir("/proc/self/fd") else None
    except OSError:
        return None
    inodes: set[str] = set()
    for fd in fds:
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue  # closed since the listing
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as fh:
                rows = fh.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            # sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            fields = row.split()
            if len(fields) < 10 or fields[3] != _TCP_LISTEN:
                continue
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                return True
    return False


def _die_with_parent(argv: list[str]) -> list[str]:
    """``argv`` run through util-linux' ``setpriv --pdeathsig TERM``, so that the
    kernel sends the server SIGTERM when the thread that started it dies (Linux'
    PR_SET_PDEATHSIG, kept across the exec); ``argv`` itself where there is no
    such ``setpriv`` (not Linux, util-linux before 2.33).

    :mod:`atexit` and the context managers stop servers on any exit Python sees;
    not when the process is killed (SIGKILL, a SIGTERM from ``timeout`` or an
    xdist worker torn down): the servers, each in its own session, lived on
    (Prometheus and Alertmanager of a killed run were found still running,
    scraping and evaluating, a quarter of an hour later). Not a ``preexec_fn``
    calling prctl: Python code run between fork and exec may deadlock while
    other threads run (the scenarios start their servers from a thread pool).
    """
    setpriv = _setpriv()
    return [setpriv, "--pdeathsig", "TERM", "--", *argv] if setpriv is not None else list(argv)


@functools.cache
def _setpriv() -> str | None:
    """The path of a ``setpriv`` that takes ``--pdeathsig``, or None."""
    if not sys.platform.startswith("linux"):
        return None
    path = shutil.which("setpriv")
    if path is None:
        return None
    try:
        done = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if "--pdeathsig" in done.stdout else None


def _stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    if proc.poll() is None:
        # The process leads its own session: signal the group so helpers die too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=grace)
    with _live_lock:
        _live.discard(proc)


@atexit.register
def _stop_all() -> None:
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _stop(proc, grace=2.0)


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """``(status, body)`` of a GET; connection errors raise :class:`OSError`."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


class Service:
    """Something started for a run and stopped on exit of a ``with`` block.

    Subclasses define :meth:`start` and :meth:`stop`; ``stop`` must be safe to
    call on a service that started only in part, since a failing ``start`` is
    followed by it (a ``with`` block never leaves half a service running).
    """

    def start(self) -> None:
        """Start the service; ready to use when it returns."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop whatever :meth:`start` started (idempotent)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


#: Connections a harness server's socket queues before it accepts them. The
#: default (5) drops the SYNs of a burst when the harness process is starved:
#: Alertmanager's webhooks then failed with 'dial tcp ...: i/o timeout'.
BACKLOG = 128

#: Seconds a harness server waits for a connection's request (or for the client to
#: take the answer) before dropping it: a server answers one connection at a time.
CLIENT_TIMEOUT = 5.0


class LoopbackHTTPServer(HTTPServer):
    """The harness's in-process HTTP servers (exporter, recorder): each answers its
    connections one at a time, in its serving thread; a long accept queue; quiet
    about clients that left.

    Not a thread per request (``ThreadingHTTPServer``, as before): every server of
    every concurrent run (eight exporter jobs and a recorder per scenario) lives
    in the test process, and its threads share one GIL. On a loaded machine that
    process gets about the CPU of one busy thread, and a thread per request made
    it collapse: a scrape late past Prometheus' timeout left its thread still
    competing for the GIL while the next scrapes came, the process went from 110
    to 240 threads and served 2 to 3 of the 88 scrapes due each second, for about
    50 s every scrape of a job timed out (11 scenarios at once, load average 22).
    Answered in place, a request needs no thread to start (0.56 ms of CPU instead
    of 0.79 ms) and the scrapes of a job wait in its own accept queue, where one
    Prometheus gave up on is dropped unanswered (:meth:`LoopbackHandler.client_gone`).
    """

    request_queue_size = BACKLOG

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (Prometheus past its scrape timeout) is not an error
        # of the server: its state is in Prometheus' up and scrape_duration_seconds.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class LoopbackHandler(BaseHTTPRequestHandler):
    """Request handler of the harness's servers: bounded waits on the client (a
    server answers one connection at a time), no access log."""

    timeout = CLIENT_TIMEOUT

    def client_gone(self) -> bool:
        """Whether the client already closed its end (nothing left to answer).

        Prometheus closes a scrape's connection at its scrape timeout; a request
        read after that (it waited in the accept queue of a starved process) is
        answered to nobody, and computing the answer only delays the scrapes
        still waiting. A request carries no more data once read, so a readable
        socket with nothing to read is a closed one.
        """
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def log_message(self, format: str, *args: Any) -> None:
        # Scrapes every second would drown the test output.
        pass


def serve_in_thread(server: HTTPServer, name: str) -> threading.Thread:
    """Serve ``server`` forever in a daemon thread named ``name``, started."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return thread


def stop_serving(server: HTTPServer, thread: threading.Thread | None) -> None:
    """Stop ``server`` serving, close its socket and wait (5 s at most) for its thread."""
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join(timeout=5)


#: Seconds a server may take to become ready. Only a bound: a server is used as
#: soon as it is ready, and on a loaded machine (two cores, several suites at
#: once) a Prometheus can take many seconds to start.
START_TIMEOUT = 60.0


class Server(Service):
    """A binary run as a server on loopback, stopped on exit of the ``with`` block.

    ``ready_url`` is polled until it answers 200 *from this process* (see
    :func:`listens_on`) or ``start_timeout`` passes; the log (stdout and stderr)
    goes to ``log_path`` so failures can show its tail.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        ready_url: str,
        log_path: Path,
        *,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.ready_url = ready_url
        self.log_path = log_path
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[bytes] | None = None

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server logged."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self) -> None:
        """Start the process and wait until it is ready (nothing to do when it runs:
        a server from :func:`start_on_free_port` can be used in a ``with`` block)."""
        if self.proc is not None and self.proc.poll() is None:
            return
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                _die_with_parent(self.argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        with _live_lock:
            _live.add(self.proc)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                status, _ = http_get(self.ready_url, timeout=1.0)
                if status == 200 and self._answered_by_it():
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise ServerError(
            f"{self.name} not ready after {self.start_timeout:.0f}s:\n{self.log_tail()}"
        )

    def _answered_by_it(self) -> bool:
        """Whether the ready answer can be this process's: it listens on the probed
        port, or this system cannot tell."""
        port = urllib.parse.urlsplit(self.ready_url).port
        if self.proc is None or port is None:
            return True
        return listens_on(self.proc.pid, port) is not False

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after a grace period)."""
        if self.proc is not None:
            _stop(self.proc)


def start_on_free_port(
    name: str,
    make_argv: Callable[[int], list[str]],
    log_path: Path,
    *,
    ready_path: str = "/-/ready",
    attempts: int = 5,
    start_timeout: float = START_TIMEOUT,
) -> tuple[Server, int]:
    """Start ``make_argv(port)`` on a port :func:`free_port` found, ready at
    ``http://127.0.0.1:<port><ready_path>``; returns the started server and its port.

    The port is only free when found: a server that then cannot bind it (another
    process took it in between) is started again on another one, ``attempts``
    times at most. The caller stops the server (it is a :class:`Service`).
    """
    last: ServerError | None = None
    for _ in range(attempts):
        port = free_port()
        server = Server(name, make_argv(port), f"http://{LOOPBACK}:{port}{ready_path}", log_path,
                        start_timeout=start_timeout)
        try:
            server.start()
        except ServerError as exc:
            server.stop()
            if "address already in use" not in str(exc).lower():
                raise
            last = exc
            continue
        return server, port
    raise ServerError(f"{name}: no free port after {attempts} attempts: {last}")



def live_processes() -> int:
    """How many servers started here are still registered (for tests)."""
    with _live_lock:
        return len(_live)
