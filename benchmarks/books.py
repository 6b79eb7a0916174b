"""The books the benchmark builds: the sample with camera photos, and a tenfold book.

The tenfold book is the sample's body (paragraphs, headings, figures) ten times over,
about 200 A5 pages with 100 photos of 12 megapixels. Part 1 is the sample itself; parts 2
to 10 end every Chinese segment with `（k）` and its translation with ` (k)`, so each is
a segment of its own with the sample's translation and review state, and each figure has
a photo of its own (same pixels as a sample photo, other bytes: another cache entry).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib

from parabook.model import Figure, Heading, Paragraph
from parabook.source.manuscript import read_book
from tests.conftest import copy_project
from tests.photogen import SAMPLE, add_photos, distinct_copy

PARTS = 10
FIGURE = re.compile(r'^!\[(?P<caption>.*)\]\(photos/(?P<name>[^ )]+)(?P<options>[^)]*)\)$')


def sample(root: Path) -> str:
    """A copy of the project at `root` whose sample book has ten generated photos."""
    copy_project(root)
    add_photos(root)
    return SAMPLE


def tenfold(sample_root: Path, root: Path, parts: int = PARTS) -> str:
    """Make the tenfold book beside a copy of `sample_root`'s project; return its slug."""
    copy_project(root)
    slug = f"{SAMPLE}-x{parts}"
    source = sample_root / "book" / SAMPLE
    folder = root / "book" / slug
    (folder / "photos").mkdir(parents=True)
    shutil.copy(source / "book.yaml", folder / "book.yaml")
    for photo in (source / "photos").iterdir():
        shutil.copy(photo, folder / "photos" / photo.name)
    camera = sorted((source / "photos").glob("0[1-7].jpg"))

    blocks = (source / "source.zh.md").read_text(encoding="utf-8").strip().split("\n\n")
    out = list(blocks)
    for part in range(2, parts + 1):
        for number, block in enumerate(blocks):
            if (figure := FIGURE.match(block)):
                name = f"p{part:02d}-{number:03d}.jpg"
                distinct_copy(camera[number % len(camera)], folder / "photos" / name, name)
                out.append(f"![{figure['caption']}（{part}）](photos/{name}"
                           f"{figure['options']})")
            else:
                out.append(f"{block}（{part}）")
    (folder / "source.zh.md").write_text("\n\n".join(out) + "\n", encoding="utf-8")

    manuscript = read_book(sample_root / "book", SAMPLE)
    body = {block.text if isinstance(block, Heading | Paragraph) else block.caption
            for block in manuscript.blocks if isinstance(block, Heading | Paragraph | Figure)}
    catalog = polib.pofile(str(sample_root / "translations" / f"{SAMPLE}.en.po"))
    tenfold_po = polib.POFile(wrapwidth=catalog.wrapwidth)
    tenfold_po.metadata = {**catalog.metadata, "Project-Id-Version": slug}
    entries = [entry for entry in catalog if not entry.obsolete]
    tenfold_po.extend(entries)
    for part in range(2, parts + 1):
        for entry in entries:
            if entry.msgid not in body:
                continue
            tenfold_po.append(polib.POEntry(
                msgid=f"{entry.msgid}（{part}）", msgctxt=entry.msgctxt,
                msgstr=f"{entry.msgstr} ({part})" if entry.msgstr else "",
                flags=list(entry.flags), tcomment=entry.tcomment,
                comment=f"part {part}: {entry.comment}"))
    tenfold_po.save(str(root / "translations" / f"{slug}.en.po"))
    return slug


def edit_translation(root: Path, slug: str, round_: int) -> None:
    """Change one paragraph's translation (a different word each round), as a reviewer
    fixing a sentence does: the next build must lay the book out again."""
    po = root / "translations" / f"{slug}.en.po"
    text = po.read_text(encoding="utf-8")
    words = ("Potholed roads have", "Potholed streets have")
    old, new = (words if round_ % 2 == 0 else words[::-1])
    if old not in text:
        old, new = new, old
    assert old in text, f"{po}: the paragraph to edit is not there"
    po.write_text(text.replace(old, new, 1), encoding="utf-8")
