"""Regenerate every image under docs/ that comes from a build of the sample.

Run from the repository: `PYTHONPATH=. python scripts/docs_images.py` (or `make docs`).
Each book is built in a throwaway copy of the project (the repository's book/ and
translations/ are never written). Pages that move when the code changes are found by
what they hold (text, photos), not by number. The review app's screenshots
(docs/review-*.png) and the typesetting "before" crops are not built here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pymupdf
from PIL import Image

from parabook.output.preview import render_spreads
from tests.conftest import SAMPLE, copy_project
from tests.photogen import add_photos, camera_photo

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


def run(root: Path, *args: str) -> None:
    """`build.py ARGS` in `root`, each in a process of its own as a user runs it: a build
    in this process would start from what earlier builds of the same book left in
    memory (the floats' last decision). Stop with its messages if it fails."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=root, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"build.py {' '.join(args)} failed in {root}:\n{done.stderr}")


def with_lines(root: Path, *lines: str) -> Path:
    meta = root / "book" / SAMPLE / "book.yaml"
    text = meta.read_text(encoding="utf-8")
    for line in lines:  # a key set twice: the later line wins in YAML, but be explicit
        key = line.split(":")[0]
        text = "\n".join(k for k in text.splitlines() if not k.startswith(key + ":"))
        text += "\n" + line
    meta.write_text(text + "\n", encoding="utf-8")
    return root


def dist(root: Path, kind: str) -> Path:
    return root / "dist" / f"{SAMPLE}.{kind}.pdf"


def render(page: pymupdf.Page, dpi: float) -> Image.Image:
    pixmap = page.get_pixmap(dpi=dpi, alpha=False)
    return Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)


def save(image: Image.Image, path: Path, dpi: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if dpi is None:
        image.save(path, "PNG", optimize=True)
    else:
        image.save(path, "PNG", optimize=True, dpi=(dpi, dpi))
    print(f"wrote {path.relative_to(REPO)} {image.size[0]}x{image.size[1]}")


def find_page(doc: pymupdf.Document, what: str, test: Callable[[pymupdf.Page], bool]) -> int:
    """The first page (0-based) that passes `test`; stop if none does."""
    for index in range(doc.page_count):
        if test(doc[index]):
            return index
    sys.exit(f"docs_images: no page of {doc.name} shows {what}; "
             "update scripts/docs_images.py to find it")


def spans(page: pymupdf.Page):
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            yield from line["spans"]


def is_heading(page: pymupdf.Page, words: str) -> bool:
    """`words` set in a bold face on the page (a heading, not a running head or contents)."""
    return any(words in span["text"] and span["flags"] & 16 for span in spans(page))


def has_text(page: pymupdf.Page, *words: str) -> bool:
    text = page.get_text()
    return all(word in text for word in words)


# -- the plain sample (no photos): previews and typesetting crops ------------------------

def plain(work: Path) -> None:
    root = copy_project(work / "plain")
    run(root, "preview", SAMPLE)
    for source, target in (("01-cover", "preview-cover"), ("02-pages-2-3", "preview-spread-2-3"),
                           ("03-pages-4-5", "preview-spread-4-5")):
        save(Image.open(root / "dist" / "preview" / f"{SAMPLE}-{source}.png").convert("RGB"),
             DOCS / f"{target}.png")
    doc = pymupdf.open(dist(root, "email"))
    for number in (3, 4, 15):  # the pages issue 14 showed before and after
        image = render(doc[number - 1], 110)
        top = image.crop((0, 0, image.width, -(-image.height * 55 // 100)))
        save(top, DOCS / "typesetting" / f"p{number:02d}-after.png", 110)


# -- the sample with photos and a cover photo: page composition ----------------------------

def composition(base: Path, work: Path) -> None:
    root = work / "photos-a5"
    shutil.copytree(base, root)
    run(root, "build", SAMPLE)
    out = DOCS / "composition"
    email = pymupdf.open(dist(root, "email"))

    save(render(email[0], 60), out / "cover-one-page.png", 60)

    opening = find_page(email, "the first section's heading",
                        lambda p: is_heading(p, "Party Building Leads"))
    save(render(email[opening], 70), out / "heading-row-and-level-baselines.png", 70)

    def half_photos(page: pymupdf.Page) -> bool:
        boxes = [pymupdf.Rect(info["bbox"]) for info in page.get_image_info()]
        return any(a.x1 <= b.x0 and abs(a.y0 - b.y0) < 1 and abs(a.height - b.height) < 1
                   for a in boxes for b in boxes)
    halves = find_page(email, "two photos side by side", half_photos)
    save(render(email[halves], 70), out / "half-photos-one-height.png", 70)

    notes = find_page(email, "a Notes page",
                      lambda p: has_text(p, "笔记", "Notes") and len(p.get_text().split()) <= 4)
    save(render(email[notes], 50), out / "notes-page.png", 50)

    printed = pymupdf.open(dist(root, "print"))
    contents = find_page(printed, "the contents", lambda p: has_text(p, "目录"))
    corner = render(printed[contents], 150).crop((0, 0, 260, 260))
    save(corner, out / "print-crop-marks-corner.png", 150)

    handout = pymupdf.open(dist(root, "handout"))
    side = handout[0]  # held: an annotation must not outlive its page (PyMuPDF crashes)
    rects = [annot.rect for annot in side.annots()]
    if not rects:
        sys.exit("docs_images: the handout's first side has no printing note")
    scale = 60 / 72
    x, y = round(rects[0].x0 * scale) - 35, round(rects[0].y0 * scale) - 20
    note = render(side, 60).crop((x, y, x + 360, y + 200))
    save(note, out / "handout-printing-note.png", 60)


def contents_a4(base: Path, work: Path) -> None:
    root = work / "photos-a4"
    shutil.copytree(base, root)
    with_lines(root, "page_size: A4")
    run(root, "build", SAMPLE)
    email = pymupdf.open(dist(root, "email"))
    contents = find_page(email, "the contents", lambda p: has_text(p, "目录"))
    save(render(email[contents], 50), DOCS / "composition" / "contents-a4-leaders.png", 50)


# -- the sample with photos, layout: facing ---------------------------------------------

def facing(base: Path, work: Path) -> None:
    root = work / "facing"
    shutil.copytree(base, root)
    (root / "book" / SAMPLE / "photos" / "cover.jpg").unlink()
    meta = root / "book" / SAMPLE / "book.yaml"
    meta.write_text("\n".join(line for line in meta.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("cover_photo:")) + "\n", encoding="utf-8")
    with_lines(root, "layout: facing")
    run(root, "build", SAMPLE)
    pdf = dist(root, "email")
    doc = pymupdf.open(pdf)
    # The spread where the text opens (the first section's heading), and the one where
    # the second section starts beside a photo.
    opening = find_page(doc, "the first section's heading on a verso",
                        lambda p: is_heading(p, "党建引领"))
    second = find_page(doc, "the second section's heading on a verso",
                       lambda p: is_heading(p, "深化创建"))
    for old in (DOCS / "facing").glob("spread-*.png"):  # named by pages, which may move
        old.unlink()
    folder = work / "facing-spreads"
    folder.mkdir()
    images = render_spreads(pdf, folder, "facing", dpi=90)
    for index, name in ((opening, "opening-and-heading"), (second, "photo-and-section-start")):
        left = index + 1 if (index + 1) % 2 == 0 else index  # 1-based page on the left
        image = next(path for path in images if path.name.endswith(f"-pages-{left}-{left + 1}.png"))
        save(Image.open(image).convert("RGB"),
             DOCS / "facing" / f"spread-{left:02d}-{left + 1:02d}-{name}.png")


def main_() -> None:
    with tempfile.TemporaryDirectory(prefix="parabook-docs-") as tmp:
        work = Path(tmp)
        # The photos first, in one order: their noise comes from the C library's
        # generator, the same sequence in every run of this script.
        base = copy_project(work / "base")
        add_photos(base)
        camera_photo(base / "book" / SAMPLE / "photos" / "cover.jpg", shade=90)
        with_lines(base, "cover_photo: photos/cover.jpg")
        plain(work)
        composition(base, work)
        contents_a4(base, work)
        facing(base, work)


if __name__ == "__main__":
    main_()
