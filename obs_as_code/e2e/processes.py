"""Servers the end-to-end runs start: free loopback ports, bounded waits, guaranteed stops.

Every process started here is registered with :mod:`atexit` as well as being
stopped by its context manager, so an interrupted run (Ctrl-C, a failing test)
never leaves a Prometheus behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

LOOPBACK = "127.0.0.1"

_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


class ServerError(RuntimeError):
    """A server did not start or did not become ready in time."""


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


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


class LoopbackHTTPServer(ThreadingHTTPServer):
    """The harness's in-process HTTP servers (exporter, recorder): a long accept queue,
    a thread per request that never blocks exit, and quiet about clients that left."""

    daemon_threads = True
    request_queue_size = BACKLOG

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (Prometheus past its scrape timeout) is not an error
        # of the server: its state is in Prometheus' up and scrape_duration_seconds.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def serve_in_thread(server: ThreadingHTTPServer, name: str) -> threading.Thread:
    """Serve ``server`` forever in a daemon thread named ``name``, started."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return thread


def stop_serving(server: ThreadingHTTPServer, thread: threading.Thread | None) -> None:
    """Stop ``server`` serving, close its socket and wait (5 s at most) for its thread."""
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join(timeout=5)


class Server(Service):
    """A binary run as a server on loopback, stopped on exit of the ``with`` block.

    ``ready_url`` is polled until it answers 200 or ``start_timeout`` passes; the
    log (stdout and stderr) goes to ``log_path`` so failures can show its tail.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        ready_url: str,
        log_path: Path,
        *,
        start_timeout: float = 20.0,
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
        """Start the process and wait until it is ready."""
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.argv,
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
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise ServerError(
            f"{self.name} not ready after {self.start_timeout:.0f}s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after a grace period)."""
        if self.proc is not None:
            _stop(self.proc)



def live_processes() -> int:
    """How many servers started here are still registered (for tests)."""
    with _live_lock:
        return len(_live)
