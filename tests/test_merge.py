"""A reviewer saving in Poedit while a command writes the same PO file loses nothing.

Poedit takes no lock. Every writer (`update`, `translate`, `import-review`, the review
app's `save_entry`) reads the file again right before its rename and merges what changed
there. The race is made deterministic with a slow `msgfmt` first in PATH: the first time it
checks text a writer is about to save, the reviewer's save lands, as Poedit writes it (a
whole new file renamed over the old one).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import polib
import pytest

from parabook import service
from parabook.catalog.po import MERGE_NOTE, entry_state, machine_comment, merge, read_catalog
from parabook.catalog.po import save_catalog as save
from parabook.project import Project
from parabook.source.manuscript import read_book, segments

from .conftest import SAMPLE
from .mtserver import Server

FAST = ("--rate", "1000", "--backoff", "0.001", "--timeout", "5")


def po_file(root: Path) -> Path:
    return root / "translations" / f"{SAMPLE}.en.po"


def poedit_saves_during_the_next_save(root: Path, bin_dir: Path, monkeypatch,
                                      edit: Callable[[polib.POFile], None]) -> None:
    """Put a msgfmt first in PATH that, the first time it is given text other than the PO
    on disk (a writer about to save it), lets the reviewer's save land first: `edit`
    applied to the file as it is now."""
    po = po_file(root)
    bin_dir.mkdir(exist_ok=True)
    reviewer = polib.pofile(str(po), wrapwidth=79)
    edit(reviewer)
    theirs = bin_dir / "reviewer.po"
    reviewer.save(str(theirs))
    real = shutil.which("msgfmt")
    assert real is not None
    script = bin_dir / "msgfmt"
    script.write_text(f"""#!/bin/sh
for last; do :; done
if [ "$last" = "-" ] && [ ! -e '{bin_dir}/done' ]; then
  cat > '{bin_dir}/stdin'
  if ! cmp -s '{bin_dir}/stdin' '{po}'; then
    touch '{bin_dir}/done'
    cp '{theirs}' '{po}.poedit' && mv '{po}.poedit' '{po}'
  fi
  exec '{real}' "$@" < '{bin_dir}/stdin'
fi
exec '{real}' "$@"
""")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")


def landed(bin_dir: Path) -> bool:
    return (bin_dir / "done").exists()


def entries(root: Path) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in polib.pofile(str(po_file(root))) if not e.obsolete}


@pytest.mark.slow
def test_translate_keeps_a_review_saved_while_it_stores_a_draft(project, tmp_path, cli,
                                                                 monkeypatch):
    catalog = read_catalog(po_file(project))
    empty = [e for e in catalog if e.comment.startswith("section 1, paragraph")][:3]
    for entry in empty:
        entry.msgstr = ""
    save(catalog, po_file(project))
    first, second, third = (e.msgid for e in empty)

    def review(reviewer: polib.POFile) -> None:  # the one being drafted, and the next
        reviewer.find(first).msgstr = "The reviewer's first."
        reviewer.find(second).msgstr = "The reviewer's second."

    bin_dir = tmp_path / "bin"
    poedit_saves_during_the_next_save(project, bin_dir, monkeypatch, review)
    server = Server()
    try:
        code, out, err = cli(project, "translate", "--endpoint", server.url, *FAST)
    finally:
        server.close()
    assert code == 0, err
    assert landed(bin_dir)
    after = entries(project)
    assert after[first].msgstr == "The reviewer's first."
    assert after[second].msgstr == "The reviewer's second."
    assert entry_state(after[first]) == entry_state(after[second]) == "reviewed"
    assert entry_state(after[third]) == "machine"
    assert "left alone, a reviewer saved it while it was stored" in err  # the first
    assert "left alone, it changed while drafting (now reviewed)" in err  # the second
    assert "1 of 3 segment(s) drafted" in out


def test_update_keeps_a_review_saved_while_it_writes(project, tmp_path, cli, monkeypatch):
    source = project / "book" / SAMPLE / "source.zh.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n新增加的一段文字。\n",
                      encoding="utf-8")
    reviewed = next(e for e in read_catalog(po_file(project)) if e.comment == "byline")

    def review(reviewer: polib.POFile) -> None:
        reviewer.find(reviewed.msgid).msgstr = "By the reviewer's hand."

    bin_dir = tmp_path / "bin"
    poedit_saves_during_the_next_save(project, bin_dir, monkeypatch, review)
    code, out, err = cli(project, "update", SAMPLE)
    assert code == 0, err
    assert landed(bin_dir)
    after = entries(project)
    assert after[reviewed.msgid].msgstr == "By the reviewer's hand."
    assert not after[reviewed.msgid].fuzzy
    assert after["新增加的一段文字。"].msgstr == ""  # and update did its own work


def test_import_review_keeps_a_review_saved_while_it_writes(project, tmp_path, cli,
                                                            monkeypatch):
    xlf = project / "review.xlf"
    assert cli(project, "export", SAMPLE, "-o", str(xlf))[0] == 0
    catalog = read_catalog(po_file(project))
    title, byline = catalog[0], catalog[2]
    xlf.write_text(xlf.read_text(encoding="utf-8").replace(
        f">{title.msgstr}</target>", ">The title, approved in review</target>", 1),
        encoding="utf-8")

    def review(reviewer: polib.POFile) -> None:
        reviewer.find(byline.msgid).msgstr = "By the reviewer's hand."

    bin_dir = tmp_path / "bin"
    poedit_saves_during_the_next_save(project, bin_dir, monkeypatch, review)
    code, out, err = cli(project, "import-review", str(xlf))
    assert code == 0, err
    assert landed(bin_dir)
    after = entries(project)
    assert after[title.msgid].msgstr == "The title, approved in review"
    assert after[byline.msgid].msgstr == "By the reviewer's hand."


def test_save_entry_keeps_a_review_saved_meanwhile_and_both_texts(project, tmp_path,
                                                                  monkeypatch):
    segs = segments(read_book(project / "book", SAMPLE))
    mine, other = segs[3], segs[4]

    def review(reviewer: polib.POFile) -> None:
        reviewer.find(mine.text).msgstr = "The reviewer's text in Poedit."
        reviewer.find(other.text).msgstr = "Another of the reviewer's."

    bin_dir = tmp_path / "bin"
    poedit_saves_during_the_next_save(project, bin_dir, monkeypatch, review)
    saved = service.save_entry(Project(project), SAMPLE, "en", mine.place,
                               "The app's text.", reviewed=True)
    assert landed(bin_dir)
    after = entries(project)
    assert after[other.text].msgstr == "Another of the reviewer's."
    # Both reviewed the same entry at once: theirs stands, the app's text beside it.
    assert after[mine.text].msgstr == "The reviewer's text in Poedit."
    assert MERGE_NOTE + "The app's text." in after[mine.text].tcomment
    assert saved.translation.text == "The reviewer's text in Poedit."


def test_a_reviewed_text_beats_a_machine_draft_either_way(project):
    base = read_catalog(po_file(project))
    ours, theirs = read_catalog(po_file(project)), read_catalog(po_file(project))
    for catalog, reviewed in ((ours, 0), (theirs, 1)):  # each reviews one, drafts the other
        for n, entry in enumerate(list(catalog)[:2]):
            entry.msgstr = f"Changed by {'ours' if catalog is ours else 'theirs'}."
            if n != reviewed:
                entry.flags = ["fuzzy"]
                entry.tcomment = machine_comment("Google", entry.msgstr)
    merge(base, ours, theirs)
    assert [(e.msgstr, entry_state(e)) for e in list(ours)[:2]] == [
        ("Changed by ours.", "reviewed"), ("Changed by theirs.", "reviewed")]
    assert len(ours) == len(base) and MERGE_NOTE not in str(ours)
