"""Waivers: a reviewer accepts a finding with a reason; it stops applying when either
text changes; `check` lists accepted findings apart; the review app's two calls."""

from __future__ import annotations

import polib
import pytest

from parabook import service
from parabook.catalog import waivers
from parabook.catalog.po import read_catalog, save_catalog
from parabook.errors import InputError
from parabook.model import Place
from parabook.project import Project

from .conftest import SAMPLE

pytestmark = pytest.mark.integration

PLACE = Place("paragraph", section=1, number=5)  # 9批次近500人


def _edit(root, old: str, new: str) -> None:
    po = root / "translations" / f"{SAMPLE}.en.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog if "9批次近500人" in e.msgid)
    assert old in entry.msgstr
    entry.msgstr = entry.msgstr.replace(old, new)
    save_catalog(catalog, po)


def test_the_form_round_trips_and_binds_both_texts():
    comment = waivers.add("a note", "numbers", "三项", "three", "rounded on purpose")
    assert comment.split("\n")[0] == "a note"
    assert waivers.reason(comment, "numbers", "三项", "three") == "rounded on purpose"
    assert waivers.reason(comment, "numbers", "三项", "three.") is None  # translation changed
    assert waivers.reason(comment, "numbers", "四项", "three") is None  # source changed
    assert waivers.reason(comment, "glossary", "三项", "three") is None  # another check
    again = waivers.add(comment, "numbers", "三项", "three!", "still fine")
    assert [w.reason for w in waivers.parse(again)] == ["still fine"]  # replaced, not piled up


def test_findings_is_live_and_unsaved(project):
    root = Project(project)
    text = next(t.translation.text for t in service.texts(root, SAMPLE, "en")
                if t.segment.place == PLACE)
    assert service.findings(root, SAMPLE, "en", PLACE, text) == ()
    found = service.findings(root, SAMPLE, "en", PLACE, text.replace("Nearly 500", "Nearly 400"))
    assert [(f.check, f.waived) for f in found] == [("numbers", None)]
    assert "number 500" in found[0].message
    # nothing was written
    assert "Nearly 500" in (project / "translations" / f"{SAMPLE}.en.po").read_text("utf-8")


def test_waive_stores_the_reason_and_check_lists_it_apart(project, cli):
    root = Project(project)
    _edit(project, "Nearly 500", "Nearly 400")
    code, out, err = cli(project, "check", SAMPLE, "--final")
    assert code == 1 and "number 500 is in the source" in out
    with pytest.raises(InputError, match="no 'glossary' finding"):
        service.waive(root, SAMPLE, "en", PLACE, "glossary", "no reason")
    service.waive(root, SAMPLE, "en", PLACE, "numbers", "the author's corrected count")
    entry = polib.pofile(str(project / "translations" / f"{SAMPLE}.en.po")).find(
        next(e.msgid for e in read_catalog(project / "translations" / f"{SAMPLE}.en.po")
             if "9批次近500人" in e.msgid))
    assert "qa-accept: numbers " in entry.tcomment
    assert entry.tcomment.endswith(": the author's corrected count")
    code, out, err = cli(project, "check", SAMPLE, "--final")
    assert code == 0, out + err
    assert "accepted by a reviewer (1):" in out
    assert "accepted: the author's corrected count" in out
    assert "ready for a final build" in out
    found = service.findings(root, SAMPLE, "en", PLACE, entry.msgstr)
    assert [(f.check, f.waived) for f in found] == [("numbers", "the author's corrected count")]
    # The translation changes: the waiver no longer applies.
    _edit(project, "Nearly 400", "Nearly 450")
    code, out, err = cli(project, "check", SAMPLE, "--final")
    assert code == 1 and "accepted by a reviewer" not in out


def test_waive_needs_a_reason(project):
    with pytest.raises(InputError, match="needs a reason"):
        service.waive(Project(project), SAMPLE, "en", PLACE, "numbers", "  ")


def test_a_long_reason_survives_the_po_writers_wrapping(project):
    """The PO writer wraps comment lines at 79 columns; the reason is read back whole,
    and a comment line of its own after a short waiver stays apart."""
    po = project / "translations" / f"{SAMPLE}.en.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog if "9批次近500人" in e.msgid)
    long_reason = ("the author confirmed by telephone on 3 December that the figure in the "
                   "printed report is a rounded count of everyone who took part in the visits")
    entry.tcomment = waivers.add("a note before", "numbers", entry.msgid, entry.msgstr,
                                 long_reason)
    entry.tcomment = waivers.add(entry.tcomment, "glossary", entry.msgid, entry.msgstr, "ok")
    entry.tcomment += "\nsee the author's mail"
    save_catalog(catalog, po)
    back = next(e for e in read_catalog(po) if "9批次近500人" in e.msgid)
    assert len(back.tcomment.split("\n")) > 4  # really wrapped
    assert [(w.check, w.reason) for w in waivers.parse(back.tcomment)] == [
        ("numbers", long_reason), ("glossary", "ok")]
    # Replacing the long one drops all of its lines, and keeps the others.
    again = waivers.add(back.tcomment, "numbers", back.msgid, back.msgstr, "short now")
    assert "telephone" not in again and "see the author's mail" in again
    assert again.startswith("a note before\n")


@pytest.mark.parametrize("pad", range(0, 24, 3))
def test_a_hyphenated_reason_wrapped_anywhere_reads_back(project, pad):
    po = project / "translations" / f"{SAMPLE}.en.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog if "9批次近500人" in e.msgid)
    why = ("x" * pad + " a well-known, long-standing, by-the-book count that the "
           "author re-checked with the district office in mid-December")
    entry.tcomment = waivers.add(None, "numbers", entry.msgid, entry.msgstr, why)
    save_catalog(catalog, po)
    back = next(e for e in read_catalog(po) if "9批次近500人" in e.msgid)
    assert [w.reason for w in waivers.parse(back.tcomment)] == [" ".join(why.split())]
