"""The review app's fast preview (issue 18): the spread around a segment laid out alone
(`output.excerpt`, through `service.preview_excerpt`) reads as the booklet's pages, with
their numbers, running heads and sides, on the sample and on books of other shapes
(`tests/corpus.py`: A4 stacked, rare characters, many photos); and after an edit it
reads as the whole build made afterwards."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import polib
import pytest

from parabook import service
from parabook.model import Place
from parabook.output.excerpt import BookPages, spread_of
from parabook.project import Project
from parabook.source.manuscript import read_book, segments

from .conftest import SAMPLE, copy_project
from .corpus import make_corpus
from .photogen import add_photos

pytestmark = pytest.mark.slow

BODY = ("heading", "paragraph", "caption")


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> Path:
    """The sample with photos and three corpus books, in one project."""
    root = copy_project(tmp_path_factory.mktemp("excerpt"))
    add_photos(root)
    make_corpus(root)
    for slug in ("corpus-long", "corpus-mixed"):  # other tests' shapes
        shutil.rmtree(root / "book" / slug)
    return root


def first_of_each_spread(project: Project, slug: str, book: BookPages) -> dict[int, Place]:
    """For each spread where a body segment starts: its left page, and the first such
    segment."""
    out: dict[int, Place] = {}
    for segment in segments(read_book(project.books, slug)):
        page = book.place_pages.get(segment.place)
        if segment.kind in BODY and page is not None:
            left, right = spread_of(page + 1)
            out.setdefault(left or right or 0, segment.place)
    return out


@pytest.mark.parametrize("slug", [SAMPLE, "corpus-a4-stacked", "corpus-names",
                                  "corpus-photos"])
def test_each_spread_laid_out_alone_reads_as_the_booklets_pages(books, slug):
    project = Project(books)
    book = service.preview_book(project, slug, "en")
    spreads = first_of_each_spread(project, slug, book)
    assert spreads
    for left, place in spreads.items():
        part = service.preview_excerpt(project, slug, "en", place, book)
        assert part is not None and not part.exact
        # The spread's pages from its left one (from its right one when the left one
        # is the contents), each as the booklet prints it: text, running head, number.
        assert part.first in (left, left + 1)
        shown = range(part.first, min(left + 2, part.count + 1))
        assert len(shown) >= 1
        for number in shown:
            assert part.texts[number - part.first][0] == book.texts[number - 1][0], (
                f"{slug}: page {number} laid out alone differs from the booklet's")


def test_an_edit_shows_at_once_as_the_next_whole_build_prints_it(books):
    project = Project(books)
    book = service.preview_book(project, SAMPLE, "en")
    # A paragraph in the middle of the book, made two lines longer.
    place = Place("paragraph", 2, 2)
    po = project.po(SAMPLE, "en")
    catalog = polib.pofile(str(po))
    entry = next(e for e in catalog if "section 2, paragraph 2" in (e.comment or ""))
    added = "This sentence was added by the reviewer to make the paragraph longer."
    saved = service.save_entry(project, SAMPLE, "en", place, f"{entry.msgstr} {added}",
                               reviewed=True)
    started = time.perf_counter()
    part = service.preview_excerpt(project, SAMPLE, "en", place, book)
    seconds = time.perf_counter() - started
    assert part is not None
    image = service.preview_spread(part, place, saved.segment.text, saved.translation.text or "")
    assert not image.exact and image.png.startswith(b"\x89PNG")
    assert image.left is not None and image.left % 2 == 0 and image.right == image.left + 1
    whole = service.preview_book(project, SAMPLE, "en")
    assert "reviewertomaketheparagraphlonger" in "".join(t for t, _ in part.texts)
    for number in (image.left, image.right):
        assert part.texts[number - part.first][0] == whole.texts[number - 1][0]
    exact = service.preview_spread(whole, place, saved.segment.text,
                                   saved.translation.text or "")
    assert exact.exact and (exact.left, exact.right) == (image.left, image.right)
    # The point of it: a fraction of a whole build (generous: the machine is shared).
    assert seconds < 5


def test_a_segment_of_the_cover_has_no_excerpt(books):
    project = Project(books)
    book = service.preview_book(project, "corpus-photos", "en")
    assert service.preview_excerpt(project, "corpus-photos", "en", Place("title"),
                                   book) is None
    image = service.preview_spread(book, Place("title"),
                                   read_book(project.books, "corpus-photos").meta.title, "")
    assert (image.left, image.right) == (None, 1) and image.exact


def test_a_facing_book_has_no_excerpt_but_its_spread_from_the_build(books):
    """The facing layout plans its spreads over the whole book: a spread laid out alone
    would differ, so the app waits for the build, whose spread it shows."""
    project = Project(books)
    shutil.copytree(books / "book" / "corpus-names", books / "book" / "corpus-facing")
    for po in (books / "translations").glob("corpus-names.*"):
        po.with_name(po.name.replace("corpus-names", "corpus-facing")).write_text(
            po.read_text(encoding="utf-8").replace("Project-Id-Version: corpus-names",
                                                   "Project-Id-Version: corpus-facing"),
            encoding="utf-8")
    yaml = books / "book" / "corpus-facing" / "book.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "layout: facing\n", encoding="utf-8")
    book = service.preview_book(project, "corpus-facing", "en")
    place = next(s.place for s in segments(read_book(project.books, "corpus-facing"))
                 if s.kind == "paragraph")
    assert service.preview_excerpt(project, "corpus-facing", "en", place, book) is None
    source = next(s.text for s in segments(read_book(project.books, "corpus-facing"))
                  if s.place == place)
    image = service.preview_spread(book, place, source, "")
    assert image.exact and image.left is not None and image.right is not None
