"""Ctrl-C and SIGTERM stop a command as a KeyboardInterrupt, and none is lost.

Python runs a signal's handler in the main thread, between two of its bytecodes. When
those are in a `__del__` or a weakref callback (PyMuPDF's objects run many while the
handout is imposed), the KeyboardInterrupt raised there is printed as "Exception
ignored" and dropped, and a build would go on to replace the outputs. So the handler
also notes the signal, and `check` raises it again where a build must not go on: before
it replaces the outputs, and between its steps. (Python's report of the one it dropped
is not printed: the command says it was interrupted.)
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

_received = False
"""A Ctrl-C or SIGTERM came during the command: its KeyboardInterrupt may have been lost."""


@contextmanager
def handled() -> Iterator[None]:
    """Within the block (one command), Ctrl-C and SIGTERM raise KeyboardInterrupt and are
    noted for `check`. A Ctrl-C ignored when the process started (a build started with
    `&` from a script) stays ignored. Signals go to the main thread: in another thread
    (a test's), nothing changes."""
    global _received
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        caught.append(signal.SIGINT)
    previous = {signum: signal.signal(signum, _interrupt) for signum in caught}
    report_unraisable = sys.unraisablehook
    sys.unraisablehook = partial(_unraisable, report_unraisable)
    _received = False
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = report_unraisable
        _received = False


def check() -> None:
    """Raise KeyboardInterrupt if a Ctrl-C or SIGTERM came (and was swallowed)."""
    if _received:
        raise KeyboardInterrupt


def _interrupt(signum, frame) -> None:
    global _received
    _received = True
    raise KeyboardInterrupt


def _unraisable(report: Callable[[UnraisableHookArgs], object],
                unraisable: UnraisableHookArgs) -> None:
    if not (_received and isinstance(unraisable.exc_value, KeyboardInterrupt)):
        report(unraisable)
