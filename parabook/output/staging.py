"""The outputs are written to hidden files in `dist/` and renamed over the old ones only
when every one is complete: a failed or interrupted build leaves the previous set.

One build of a book runs at a time (a lock in `.cache/locks`); what a killed build
left in `dist/` is cleared by the next.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from parabook.errors import BookError
from parabook.infra import interrupts
from parabook.infra.lock import held
from parabook.output.outputs import OUTPUT_NAMES, suffix


@contextmanager
def staged(dist: Path, slug: str, stem: str, outputs: tuple[str, ...],
            locks: Path) -> Iterator[dict[str, Path]]:
    """Hidden files in `dist` to write the outputs to ({name: path}; print too when only
    the handout is built); renamed over `dist/<stem>.<name>.pdf` when the block ends
    without an error, deleted when it fails. `stem` is the book's slug, or for another
    language than its first, `<slug>.<lang>`."""
    dist.mkdir(parents=True, exist_ok=True)
    names = [n for n in OUTPUT_NAMES if n in outputs or (n == "print" and "handout" in outputs)]
    staged: dict[str, Path] = {}
    with ExitStack() as stack:
        stack.enter_context(book_lock(locks, slug))
        clear_leftovers(dist, slug)
        stack.callback(_delete, staged)
        for name in names:
            handle, path = tempfile.mkstemp(prefix=f".{stem}{suffix(name)}.", suffix=".tmp",
                                            dir=dist)
            os.close(handle)
            staged[name] = Path(path)
        yield staged
        targets = {name: dist / f"{stem}{suffix(name)}" for name in outputs}
        for target in targets.values():  # all or none: find what would stop a rename first
            if target.is_dir():
                raise OSError(errno.EISDIR, "is a folder, not a PDF; move it away",
                              str(target))
        mode = 0o666 & ~_umask()
        for name in outputs:
            with staged[name].open("rb+") as written:  # on disk before it is renamed
                os.fsync(written.fileno())
            staged[name].chmod(mode)  # mkstemp makes it private; outputs are shared
        # A Ctrl-C between two renames would leave a mixed set: it waits until the end.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            interrupts.check()  # one that a `__del__` swallowed: replace nothing
            for name, target in targets.items():
                os.replace(staged[name], target)
                del staged[name]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _delete(staged: dict[str, Path]) -> None:
    for path in staged.values():
        path.unlink(missing_ok=True)


@contextmanager
def book_lock(locks: Path, slug: str) -> Iterator[None]:
    """One build of a book at a time (watch mode and a build by hand, say): the second
    waits for the first, so their outputs never mix."""
    busy = BookError(f"another build of {slug} has been running for "
                     f"{BUILD_WAIT_SECONDS // 60} minutes", path=locks,
                     fix="wait for it, or stop it, then build again")
    with held(locks / f"{slug}.build.lock", BUILD_WAIT_SECONDS, busy):
        yield


BUILD_WAIT_SECONDS = 600


def clear_leftovers(dist: Path, slug: str) -> None:
    """Delete what a killed build of this book left in dist/ (staged PDFs, imposition
    folders); safe under the book's lock, as no other build of it is running."""
    for path in dist.glob(f".{slug}.*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
