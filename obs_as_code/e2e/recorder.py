"""A loopback webhook receiver that records Alertmanager's notifications.

Alertmanager posts to ``/<receiver name>`` (see :func:`config.rewrite_alertmanager`);
each payload is kept with the receiver it was addressed to and its arrival time.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from obs_as_code.e2e.processes import (
    LOOPBACK,
    LoopbackHandler,
    LoopbackHTTPServer,
    Service,
    serve_in_thread,
    stop_serving,
)


@dataclass(frozen=True)
class Notification:
    """One webhook payload as Alertmanager sent it."""

    receiver: str
    at: float
    payload: dict[str, Any] = field(hash=False)

    @property
    def status(self) -> str:
        """``firing`` or ``resolved`` (of the group as a whole)."""
        return str(self.payload.get("status", ""))

    @property
    def group_labels(self) -> dict[str, str]:
        """The labels the group was formed by."""
        return dict(self.payload.get("groupLabels") or {})

    @property
    def group_key(self) -> str:
        """Alertmanager's identity of the group."""
        return str(self.payload.get("groupKey", ""))

    def alerts(self, status: str | None = None) -> list[dict[str, Any]]:
        """The alerts in the payload (only those with ``status`` when given)."""
        return [a for a in self.payload.get("alerts") or [] if status is None or a.get("status") == status]


class _Handler(LoopbackHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        try:
            payload = json.loads(body)
        except ValueError:
            self.send_response(400)
            self.end_headers()
            return
        self.server.recorder.add(self.path.strip("/"), payload)
        self.send_response(200)
        self.end_headers()


class _Server(LoopbackHTTPServer):

    def __init__(self, recorder: Recorder) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.recorder = recorder


class Recorder(Service):
    """Records notifications; a context manager serving on a free loopback port."""

    def __init__(self) -> None:
        self._items: list[Notification] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def add(self, receiver: str, payload: dict[str, Any]) -> None:
        """Record one payload (called by the HTTP handler)."""
        with self._lock:
            self._items.append(Notification(receiver, time.monotonic(), payload))

    def notifications(self) -> list[Notification]:
        """Everything received so far, in arrival order."""
        with self._lock:
            return list(self._items)

    @property
    def url(self) -> str:
        """Base URL; receivers post to ``url/<receiver>``."""
        assert self._server is not None, "recorder not started"
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def start(self) -> None:
        """Bind a free loopback port and serve in a background thread."""
        self._server = _Server(self)
        self._thread = serve_in_thread(self._server, "webhook-recorder")

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            stop_serving(self._server, self._thread)
        self._server = self._thread = None
