"""HTTP answers with the limits requests lacks: one deadline, and a size cap.

requests' timeout is per socket operation, so a server sending its status line, its
headers or its body a byte at a time never trips it. A `Deadline` runs over the whole
exchange (connect, status line, headers, body): when it passes, the socket is shut
down, which ends whatever read is waiting. The body is read with a cap on its decoded
size, so a gzip bomb is not inflated past it.

Imported when a run starts, with requests (every other command starts quicker).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError

MAX_ANSWER = 4 * 2**20  # bytes, decoded; a translation of one segment is a few KB


class TooLarge(requests.RequestException):
    """The answer was bigger than `MAX_ANSWER`."""


class Deadline:
    """One time limit over every socket of a request."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def adapter(self) -> HTTPAdapter:
        """An adapter for a `requests.Session` whose connections this deadline watches."""
        return _Adapter(self)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        # the plain socket's shutdown: an SSL socket's own would drop its state mid-read
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watched:
    """A urllib3 connection that hands its socket to a deadline once connected."""

    sock: socket.socket | None

    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        if self.sock is not None:
            self.deadline.watch(self.sock)


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _Adapter(HTTPAdapter):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def get_connection_with_tls_context(self, *args: Any, **kwargs: Any) -> Any:
        pool = super().get_connection_with_tls_context(*args, **kwargs)
        pool.ConnectionCls = _HTTPSConnection if pool.scheme == "https" else _HTTPConnection
        pool.conn_kw["deadline"] = self.deadline
        return pool


def read_body(response: requests.Response, deadline: Deadline) -> None:
    """Read and decode the body into `response` as requests would, up to `MAX_ANSWER`."""
    chunks, size = [], 0
    try:
        while True:
            # read1: whatever has arrived, decoded 64 KB at most (a bomb inflates no further)
            chunk = response.raw.read1(65536, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_ANSWER:
                raise TooLarge(f"the answer was larger than {MAX_ANSWER // 2**20} MB")
            chunks.append(chunk)
    except requests.RequestException:
        raise
    except (OSError, ValueError, HTTPError) as exc:  # as requests would wrap them
        raise requests.ConnectionError(str(exc)) from None
    finally:
        response.close()
    if deadline.expired:  # the socket was shut: what came is not the whole answer
        raise requests.Timeout("the answer took too long")
    response._content = b"".join(chunks)  # as if read by requests itself
    response._content_consumed = True


def late(deadline: Deadline, exc: requests.RequestException) -> requests.RequestException:
    """`exc`, or a timeout when it came from the deadline shutting the socket."""
    return requests.Timeout("the answer took too long") if deadline.expired and \
        not isinstance(exc, TooLarge) else exc
