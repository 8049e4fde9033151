"""Servers are stopped whatever happens: exit, failed start, readiness timeout."""

from __future__ import annotations

import os
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.e2e import processes
from obs_as_code.e2e.processes import (
    LOOPBACK,
    LoopbackHTTPServer,
    Server,
    ServerError,
    free_port,
    listens_on,
    live_processes,
    serve_in_thread,
    start_on_free_port,
    stop_serving,
)


def _http_server(port: int, tmp_path: Path) -> list[str]:
    # Serves tmp_path: /-/ready exists only when we create it.
    return [sys.executable, "-m", "http.server", str(port), "--bind", LOOPBACK, "--directory", str(tmp_path)]


def test_server_is_ready_then_stopped_on_exit(tmp_path: Path) -> None:
    (tmp_path / "-").mkdir()
    (tmp_path / "-" / "ready").write_text("ok")
    srv, port = start_on_free_port("http", lambda port: _http_server(port, tmp_path), tmp_path / "log")
    with srv:
        assert srv.proc is not None and srv.proc.poll() is None
        assert live_processes() >= 1
        assert listens_on(srv.proc.pid, port) in (True, None)  # None: no /proc here
    assert srv.proc.poll() is not None


def test_server_never_ready_is_killed_after_the_timeout(tmp_path: Path) -> None:
    before = live_processes()
    with pytest.raises(ServerError, match="http not ready after 2s"):
        start_on_free_port("http", lambda port: _http_server(port, tmp_path), tmp_path / "log", start_timeout=1.5)
    assert live_processes() == before


def _ready_answerer() -> LoopbackHTTPServer:
    """Another process's server on a port, answering 200 to /-/ready (in-process here)."""

    class Ready(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return LoopbackHTTPServer((LOOPBACK, 0), Ready)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="listens_on reads /proc")
def test_a_ready_answer_from_another_process_on_the_port_is_not_readiness(tmp_path: Path) -> None:
    """free_port()'s port can be taken before the server binds it. Before: another
    suite's Prometheus on it answered /-/ready, ours was taken as ready and the run
    queried the wrong server (ours had exited: 'bind: address already in use')."""
    other = _ready_answerer()
    thread = serve_in_thread(other, "other")
    try:
        port = other.server_address[1]
        assert listens_on(os.getpid(), port) is True
        # Ours never binds the port (a server still starting, or one that will fail to).
        sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
        srv = Server("late", sleeper, f"http://{LOOPBACK}:{port}/-/ready", tmp_path / "log", start_timeout=1.5)
        with pytest.raises(ServerError, match="late not ready after 2s"):
            srv.start()
        assert srv.proc is not None and listens_on(srv.proc.pid, port) is False
    finally:
        stop_serving(other, thread)


def test_a_server_whose_port_was_taken_starts_on_another(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The port found free is taken before the server binds it: it exits ('Address
    already in use') and is started again on another port."""
    (tmp_path / "-").mkdir()
    (tmp_path / "-" / "ready").write_text("ok")
    taken = _ready_answerer()  # bound and listening: nothing else can bind its port
    thread = serve_in_thread(taken, "taken")
    found = iter([taken.server_address[1]])
    monkeypatch.setattr(processes, "free_port", lambda: next(found, None) or free_port())
    try:
        srv, port = start_on_free_port("http", lambda port: _http_server(port, tmp_path), tmp_path / "log")
        with srv:
            assert port != taken.server_address[1]
            assert srv.proc is not None and listens_on(srv.proc.pid, port) in (True, None)
    finally:
        stop_serving(taken, thread)


def test_server_that_exits_reports_its_log(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; print('bad flag --nope'); sys.exit(3)"]
    srv = Server("tool", argv, f"http://{LOOPBACK}:{free_port()}/-/ready", tmp_path / "log")
    with pytest.raises(ServerError, match=r"(?s)tool exited with 3:.*bad flag --nope"):
        srv.start()


def test_recorder_and_exporter_free_their_ports_on_exit() -> None:
    """The in-process servers stop serving and close their sockets when the block ends."""
    import socket
    import urllib.request

    from obs_as_code.e2e.exporter import Exporter
    from obs_as_code.e2e.recorder import Recorder
    from obs_as_code.e2e.traffic import Simulator, Traffic

    def refused(address: str) -> bool:
        host, port = address.rsplit(":", 1)
        with socket.socket() as sock:
            return sock.connect_ex((host, int(port))) != 0

    with Recorder() as rec:
        address = rec.url.removeprefix("http://")
        request = urllib.request.Request(rec.url + "/team-a", data=b'{"alerts": []}', method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        assert [n.receiver for n in rec.notifications()] == ["team-a"]
    assert refused(address)

    with Exporter(Simulator(Traffic(), lambda metric: ()), ["api", "web"], lambda signal: "api") as exp:
        addresses = dict(exp.addresses)
        assert sorted(addresses) == ["api", "web"] and not any(refused(a) for a in addresses.values())
    assert all(refused(a) for a in addresses.values()) and exp.addresses == {}


def test_a_service_whose_start_fails_is_stopped_before_the_error_propagates() -> None:
    """``with`` on a service that failed part way through ``start`` leaves nothing running."""
    from obs_as_code.e2e.processes import Service

    calls: list[str] = []

    class Half(Service):
        def start(self) -> None:
            calls.append("start")
            raise OSError("port taken")

        def stop(self) -> None:
            calls.append("stop")

    with pytest.raises(OSError, match="port taken"), Half():
        calls.append("body")
    assert calls == ["start", "stop"]


def test_a_starved_harness_server_queues_a_burst_of_connections() -> None:
    """While the harness process does not get to accept (starved on a loaded machine),
    a burst (Alertmanager posting many groups, Prometheus scraping) waits in the
    queue instead of its connects timing out (seen: 'dial tcp ...: i/o timeout')."""
    import socket

    from prometheus_client import CollectorRegistry

    from obs_as_code.e2e.exporter import Exporter, _JobServer
    from obs_as_code.e2e.recorder import Recorder, _Server
    from obs_as_code.e2e.traffic import Simulator, Traffic

    exporter = Exporter(Simulator(Traffic(), lambda metric: ()), [], lambda signal: "api")
    # Bound, never serving: nothing accepts, as when the process gets no CPU.
    for server in (_Server(Recorder()), _JobServer(exporter, "api", CollectorRegistry())):
        socks: list[socket.socket] = []
        try:
            for _ in range(20):
                sock = socket.socket()
                socks.append(sock)
                sock.settimeout(2.0)
                sock.connect(server.server_address)  # the old backlog (5) took 6
        finally:
            for sock in socks:
                sock.close()
            server.server_close()


def test_a_client_that_gave_up_is_not_reported_as_a_server_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Prometheus closing a scrape past its timeout leaves the late answer a broken pipe:
    expected under load, and thousands of tracebacks on stderr hid real errors."""
    from obs_as_code.e2e.processes import LoopbackHTTPServer

    server = LoopbackHTTPServer((LOOPBACK, 0), BaseHTTPRequestHandler)
    try:
        for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
            try:
                raise error
            except OSError:
                server.handle_error(None, ("127.0.0.1", 1))
        assert capsys.readouterr().err == ""
        try:
            raise ValueError("a real bug")
        except ValueError:
            server.handle_error(None, ("127.0.0.1", 1))
        assert "ValueError: a real bug" in capsys.readouterr().err
    finally:
        server.server_close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux'")
def test_a_server_dies_with_the_process_that_started_it_even_when_killed(tmp_path: Path) -> None:
    """SIGKILL leaves atexit and the context managers no chance: before, the killed
    run's servers (in their own session) lived on, scraping and evaluating."""
    import signal
    import subprocess
    import time

    (tmp_path / "-").mkdir()
    (tmp_path / "-" / "ready").write_text("ok")
    starter = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from obs_as_code.e2e.processes import start_on_free_port\n"
        "tmp = Path(sys.argv[1])\n"
        "argv = lambda port: [sys.executable, '-m', 'http.server', str(port), '--bind', '127.0.0.1', '--directory', str(tmp)]\n"
        "server, port = start_on_free_port('http', argv, tmp / 'log')\n"
        "print(server.proc.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", starter, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == -signal.SIGKILL, done.stderr
    server_pid = int(done.stdout)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _alive(server_pid):
        time.sleep(0.1)
    alive = _alive(server_pid)
    if alive:
        os.kill(server_pid, signal.SIGKILL)
    assert not alive, "the server outlived the process that started it"


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, reaped by init soon, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_harness_server_answers_in_its_serving_thread() -> None:
    """No thread per request: every exporter job and recorder of the concurrent runs
    shares the test process's GIL, and under load a thread per request made it
    collapse (late scrapes' threads piling up, 110 -> 240 threads, nearly every
    scrape timing out for a minute)."""
    import threading
    import urllib.request

    from obs_as_code.e2e.processes import LoopbackHandler

    handled_by: list[threading.Thread] = []

    class Record(LoopbackHandler):
        def do_GET(self) -> None:
            handled_by.append(threading.current_thread())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = LoopbackHTTPServer((LOOPBACK, 0), Record)
    thread = serve_in_thread(server, "serving")
    try:
        for _ in range(3):
            with urllib.request.urlopen(f"http://{LOOPBACK}:{server.server_address[1]}/", timeout=5) as resp:
                assert resp.status == 200
    finally:
        stop_serving(server, thread)
    assert handled_by == [thread] * 3


def test_a_scrape_prometheus_gave_up_on_is_not_computed() -> None:
    """A scrape read after its client closed (Prometheus past its scrape timeout, the
    request queued in a starved process) is dropped before collecting: answering it
    would only make the scrapes still waiting late too. A live one is answered."""
    import socket
    import threading
    import time
    from collections.abc import Callable

    from obs_as_code.e2e.exporter import Exporter
    from obs_as_code.e2e.traffic import Rate, Sample, Signal, Simulator, Traffic

    class Held(Simulator):
        """Collects only once ``release`` is set (the first scrape holds the server)."""

        release = threading.Event()
        collected = 0

        def collect(self, job: str | None = None, job_of: Callable[[Signal], str] | None = None) -> list[Sample]:
            Held.collected += 1
            Held.release.wait(10)
            return super().collect(job, job_of)

    def send(address: tuple[str, int]) -> socket.socket:
        sock = socket.create_connection(address, timeout=10)
        sock.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        return sock

    sim = Held(Traffic((Rate("api_requests_total", {}, 1.0),)), lambda metric: ())
    with Exporter(sim, ["api"], lambda signal: "api") as exporter:
        host, port = exporter.addresses["api"].rsplit(":", 1)
        address = (host, int(port))
        first = send(address)
        deadline = time.monotonic() + 10
        while Held.collected == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert Held.collected == 1  # the server is busy with the first scrape
        send(address).close()  # given up while queued
        live = send(address)
        Held.release.set()
        answers = [b"".join(iter(lambda s=s: s.recv(65536), b"")) for s in (first, live)]
        first.close()
        live.close()
    assert all(a.startswith(b"HTTP/1.0 200") and b"api_requests_total" in a for a in answers), answers
    assert Held.collected == 2  # the first and the live scrape, not the abandoned one
