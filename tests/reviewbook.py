"""A book to review: the tiny book with machine drafts, an unreviewed entry, a stale entry
and a glossary miss; and `build.py review` running on it in a process of its own."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import polib

from parabook import service
from parabook.catalog.po import machine_comment, read_catalog, save_catalog
from parabook.project import Project

from .conftest import REPO, SAMPLE

OLD_HEADING = "党建引领 点燃发展“引擎”"
NEW_HEADING = "党建引领 点燃发展新“引擎”"
MACHINE = {"title": "google", "subtitle": "deepl", "opening, paragraph 1": "google",
           "caption of photos/01.jpg": "google"}
"""Where the tiny book gets machine drafts, and from which provider."""
UNREVIEWED = ("byline", "opening, paragraph 2")
GLOSSARY_MISS = "section 1, paragraph 1"
"""Its translation says "Party committee" where the glossary wants 党工委's rendering."""


def po_of(root: Path) -> Path:
    return root / "translations" / f"{SAMPLE}.en.po"


def entry(root: Path, where: str) -> polib.POEntry:
    """The PO entry on disk of the segment described as `where`."""
    found = [e for e in polib.pofile(str(po_of(root))) if not e.obsolete
             and where in (e.comment or "").split("; ")]
    assert len(found) == 1, where
    return found[0]


def prepare(root: Path) -> Path:
    """Turn the reviewed tiny book in `root` into one to review (see the module doc)."""
    po = po_of(root)
    catalog = read_catalog(po)
    for item in catalog:
        where = (item.comment or "").split("; ")[0]
        if where in MACHINE:
            item.flags = ["fuzzy"]
            item.tcomment = machine_comment(MACHINE[where], item.msgstr)
        elif where in UNREVIEWED:
            item.flags = ["fuzzy"]
        elif where == GLOSSARY_MISS:
            item.msgstr = item.msgstr.replace("Party Working Committee", "Party committee")
            assert "Party committee" in item.msgstr
    save_catalog(catalog, po)
    source = root / "book" / SAMPLE / "source.zh.md"
    text = source.read_text(encoding="utf-8")
    assert OLD_HEADING in text
    source.write_text(text.replace(OLD_HEADING, NEW_HEADING), encoding="utf-8")
    service.update(Project(root), SAMPLE, "en")
    return root


class Server:
    """`build.py review` running in `root` until `stop`; `url` is the address it printed."""

    def __init__(self, root: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "review", SAMPLE, *args], cwd=root,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        started = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                if "open http" in line:
                    started.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        if not started.wait(60):
            self.stop()
            raise AssertionError(f"build.py review printed no address: {self.lines}")
        found = re.search(r"open (http://\S+)", "\n".join(self.lines))
        assert found, self.lines
        self.url = found[1]
        self.base = self.url.split("?")[0]
        self.token = self.url.split("token=")[1]

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.reader.join(10)
            if self.process.stdout is not None:
                self.process.stdout.close()
