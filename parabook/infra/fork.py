"""Work run by a forked process on another core, its result (or exception) sent back.

The build splits two of its steps this way (`pipeline`): preparing photos, and
writing the email PDF while this process writes the print PDF and imposes it. A
forked child is a copy of this process, so it needs nothing sent to it; it dies
with its parent (even a kill -9 of it), and a Ctrl-C stops both without leaving a file
half-written.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import time
import traceback
from collections.abc import Callable

from parabook.errors import BookError


def cores() -> int:
    """Cores this process may fork onto: 1 when it has threads (watch mode's file
    watcher), since a forked child could find a lock held by a thread it lacks."""
    try:
        if len(os.listdir("/proc/self/task")) > 1:
            return 1
        return len(os.sched_getaffinity(0))
    except (OSError, AttributeError):  # not Linux
        return 1


_STOPS = {signal.SIGINT, signal.SIGTERM}
"""The signals that stop a child as a Ctrl-C would."""


class Forked:
    """`work` run by a forked process when a core is free for it, else by this one when
    its result is asked for. The result, or the exception `work` raised, comes back
    pickled through a pipe; the child is a copy of this process, so `work` may use
    anything this process has (the layout: nothing is sent to the child).

    The child leaves with `os._exit`: this process's `finally` blocks (which delete
    the staged outputs), atexit handlers and buffered output are not run twice.
    Leaving the `with` block stops a child still running (an error or Ctrl-C here)
    with SIGTERM, which the child takes as a Ctrl-C (even when Ctrl-C is ignored), so
    it cleans up (`fsutil.write_atomic` deletes its temporary file); then reaps it: no
    process and no half-written file is left.
    """

    def __init__(self, work: Callable[[], object], what: str) -> None:
        self.work, self.what = work, what
        self.pid: int | None = None
        self.pipe: int | None = None
        if cores() < 2:
            return
        sys.stdout.flush()  # or the child could write this process's buffered output too
        sys.stderr.flush()
        read_end, write_end = os.pipe()
        parent = os.getpid()
        blocked: set | None = None
        try:
            # Ctrl-C and SIGTERM are held back until each side is ready for them (the
            # child in `_serve`): neither may be interrupted before it knows of the other.
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
            pid = os.fork()
        except BaseException as exc:
            if blocked is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            os.close(read_end)
            os.close(write_end)
            if isinstance(exc, OSError):  # no process to spare (EAGAIN, ENOMEM): do it here
                return
            raise
        if pid == 0:
            os.close(read_end)
            _serve(work, what, write_end, blocked, parent)  # never returns
        self.pid, self.pipe = pid, read_end
        os.close(write_end)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        except BaseException:  # a Ctrl-C that came while it was held back
            self.stop()
            raise

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def result(self):
        """What `work` returned; raises what it raised."""
        if self.pid is None:
            return self.work()
        with os.fdopen(self.pipe, "rb") as pipe:  # read to its end: the child is done
            self.pipe = None
            payload = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if not payload:
            raise BookError(f"the process {self.what} ended without a result "
                            f"(exit status {os.waitstatus_to_exitcode(status)})")
        try:
            ok, value = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - cut short (the child was killed) or unreadable
            raise BookError(f"the process {self.what} sent back an unreadable result "
                            f"(exit status {os.waitstatus_to_exitcode(status)})") from None
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """Interrupt the child if it is still running, and reap it."""
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_SECONDS
            while os.waitpid(pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.005)
        except BaseException:  # a second Ctrl-C: no more waiting
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise


def _interrupt_once(signum, frame) -> None:
    for stop in _STOPS:
        signal.signal(stop, signal.SIG_IGN)
    raise KeyboardInterrupt


STOP_SECONDS = 10.0
"""How long a child that is told to stop may take to clean up before it is killed."""


def _serve(work: Callable[[], object], what: str, pipe: int, mask: set, parent: int) -> None:
    """The forked child: run `work`, send back (True, result) or (False, exception), exit."""
    status = 1
    try:
        try:
            # One Ctrl-C or SIGTERM (the parent's stop, or its death) stops the work; a
            # second (the terminal's and the parent's) must not cut short the cleanup the
            # first set off. A Ctrl-C that this process ignores, the child ignores too.
            signal.signal(signal.SIGTERM, _interrupt_once)
            if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
                signal.signal(signal.SIGINT, _interrupt_once)
            _die_with(parent)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            result = (True, work())
        except BaseException as exc:  # noqa: BLE001 (this process's parent raises it)
            if not isinstance(exc, BookError | OSError | KeyboardInterrupt):
                exc.add_note(f"(in the process {what})\n{traceback.format_exc()}")
            result = (False, exc)
        try:
            payload = pickle.dumps(result)
            pickle.loads(payload)  # some exceptions pickle but cannot be read back
        except Exception:  # noqa: BLE001 (an exception that cannot cross)
            payload = pickle.dumps((False, BookError(f"{what}: {result[1]!r}")))
        with os.fdopen(pipe, "wb") as out:
            out.write(payload)
        status = 0
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


def _die_with(parent: int) -> None:
    """Have the kernel stop this child when its parent dies (kill -9, a crash), so it
    does not go on writing for nobody. SIGTERM, not SIGINT, which a build started with
    `&` ignores; it cleans up as a Ctrl-C would, and the parent's next build clears
    whatever else is left."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() != parent:  # it died before that took effect
        raise KeyboardInterrupt
