"""`build.py COMMAND` run for real in a subprocess (watch, review), its output read line
by line as it comes, stopped with Ctrl-C as a person would."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .conftest import REPO


class Command:
    """`build.py ARGS` running in `root` until `stop`; `seen`: the lines read so far."""

    def __init__(self, root: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), *args], cwd=root, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))

    def wait_for(self, start: str = "", timeout: float = 60, *,
                 containing: str = "") -> list[str]:
        """The lines up to and including the first one starting with `start` (and
        holding `containing`)."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line starting {start!r} holding {containing!r} "
                                     f"in {timeout} s; got {self.seen}") from None
            got.append(line)
            self.seen.append(line)
            if line.startswith(start) and containing in line:
                return got

    def stop(self) -> int:
        """Ctrl-C, then its exit status (killed if it does not stop in 20 s)."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.reader.join(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()
