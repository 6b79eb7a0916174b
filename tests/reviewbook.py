"""A book to review: the tiny book with machine drafts, an unreviewed entry, a stale entry
and a glossary miss; and `build.py review` running on it in a process of its own."""

from __future__ import annotations

import re
from pathlib import Path

import polib

from parabook import service
from parabook.catalog.po import machine_comment, read_catalog, save_catalog
from parabook.project import Project

from .command import Command
from .conftest import SAMPLE

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


class Server(Command):
    """`build.py review` running in `root` until `stop`; `url` is the address it printed."""

    def __init__(self, root: Path, *args: str) -> None:
        super().__init__(root, "review", SAMPLE, *args)
        try:
            printed = self.wait_for(containing="open http")
        except AssertionError:
            self.stop()
            raise
        found = re.search(r"open (http://\S+)", printed[-1])
        assert found, self.seen
        self.url = found[1]
        self.base = self.url.split("?")[0]
        self.token = self.url.split("token=")[1]

    @property
    def lines(self) -> list[str]:
        return self.seen
