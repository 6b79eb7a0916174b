"""The PO lifecycle for real: update, edit, move, delete, and nothing reviewed is lost."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import polib
import pytest

from parabook.catalog.po import (
    entry_state,
    load_translations,
    machine_comment,
    read_catalog,
    save_catalog,
)
from parabook.source.manuscript import read_book, segments

from .conftest import SAMPLE


def msgfmt_ok(path: Path) -> None:
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr


def source_md(project: Path) -> Path:
    return project / "book" / SAMPLE / "source.zh.md"


def po_file(project: Path) -> Path:
    return project / "translations" / f"{SAMPLE}.en.po"


def paragraphs(project: Path) -> list[str]:
    text = source_md(project).read_text(encoding="utf-8")
    return [b for b in text.split("\n\n") if b and not b.startswith(("#", "!"))]


def translate_all(project: Path, fuzzy_every: int = 0) -> dict[str, str]:
    """Give every entry a distinct reviewed translation; return msgid -> msgstr."""
    catalog = read_catalog(po_file(project))
    done = {}
    for number, entry in enumerate(catalog):
        entry.msgstr = f"Translation number {number}."
        if fuzzy_every and number % fuzzy_every == 0:
            entry.flags = ["fuzzy"]
            entry.tcomment = machine_comment("google", entry.msgstr)
        done[entry.msgid] = entry.msgstr
    save_catalog(catalog, po_file(project))
    return done


@pytest.fixture
def fresh(project, cli):
    """The sample with a fresh PO file: every segment an empty entry."""
    po_file(project).unlink(missing_ok=True)
    code, out, err = cli(project, "update", SAMPLE)
    assert code == 0, err
    assert "created; 42 new" in out
    return project


def test_update_creates_one_entry_per_segment_with_places(fresh):
    msgfmt_ok(po_file(fresh))
    catalog = polib.pofile(str(po_file(fresh)))
    manuscript = read_book(fresh / "book", SAMPLE)
    assert [e.msgid for e in catalog] == [s.text for s in segments(manuscript)]
    assert all(e.msgstr == "" and e.msgctxt is None for e in catalog)
    comments = [e.comment for e in catalog]
    assert comments[:4] == ["title", "subtitle", "byline", "opening, paragraph 1"]
    assert "caption of photos/01.jpg" in comments
    assert "section 1 heading" in comments
    assert catalog.metadata["Language"] == "en"


def test_second_update_changes_nothing(fresh, cli):
    translate_all(fresh, fuzzy_every=3)
    before = po_file(fresh).read_bytes()
    mtime = po_file(fresh).stat().st_mtime_ns
    code, out, _ = cli(fresh, "update", SAMPLE)
    assert code == 0 and "unchanged; 0 new, 0 edited" in out
    assert po_file(fresh).read_bytes() == before
    assert po_file(fresh).stat().st_mtime_ns == mtime


def test_moving_editing_adding_and_deleting_loses_no_reviewed_text(fresh, cli):
    done = translate_all(fresh)
    text = source_md(fresh).read_text(encoding="utf-8")
    paras = paragraphs(fresh)
    moved, edited, deleted = paras[0], paras[5], paras[8]
    edited_new = edited.replace("城北新区党工委", "城北新区党工委全体", 1)
    assert edited_new != edited
    text = text.replace(moved + "\n\n", "", 1) + "\n" + moved + "\n"   # moved to the end
    text = text.replace(edited, edited_new, 1)
    text = text.replace(deleted + "\n\n", "", 1)
    text = text.replace(paras[9], paras[9] + "\n\n新增加的一段文字，讲述2022年的计划。", 1)
    source_md(fresh).write_text(text, encoding="utf-8")

    code, out, err = cli(fresh, "update", SAMPLE)
    assert code == 0, err
    assert "updated; 1 new, 1 edited (old translation kept as a fuzzy suggestion), " \
           "1 obsolete, 0 restored" in out
    msgfmt_ok(po_file(fresh))
    catalog = polib.pofile(str(po_file(fresh)))
    by_id = {e.msgid: e for e in catalog if not e.obsolete}
    # Moved: still reviewed, same text.
    assert by_id[moved].msgstr == done[moved] and not by_id[moved].fuzzy
    # Edited: the old translation is a fuzzy suggestion, the old source shown as #| msgid.
    assert by_id[edited_new].msgstr == done[edited] and by_id[edited_new].fuzzy
    assert by_id[edited_new].previous_msgid == edited
    assert entry_state(by_id[edited_new]) == "stale"
    # Deleted: kept as an obsolete #~ entry with its translation.
    obsolete = [e for e in catalog if e.obsolete]
    assert [(e.msgid, e.msgstr) for e in obsolete] == [(deleted, done[deleted])]
    assert "#~ msgid" in po_file(fresh).read_text(encoding="utf-8")
    # Added: an empty entry.
    assert by_id["新增加的一段文字，讲述2022年的计划。"].msgstr == ""
    # Every reviewed translation is still in the file, somewhere.
    all_text = {e.msgstr for e in catalog}
    assert set(done.values()) <= all_text

    # Putting the deleted paragraph back restores it, still reviewed.
    source_md(fresh).write_text(text + "\n" + deleted + "\n", encoding="utf-8")
    code, out, _ = cli(fresh, "update", SAMPLE)
    assert "0 obsolete, 1 restored" in out
    catalog = polib.pofile(str(po_file(fresh)))
    restored = next(e for e in catalog if e.msgid == deleted)
    assert not restored.obsolete and not restored.fuzzy and restored.msgstr == done[deleted]
    assert not [e for e in catalog if e.obsolete]
    msgfmt_ok(po_file(fresh))


def test_an_obsolete_twin_is_folded_in_and_its_text_kept(fresh, cli):
    heading = "党建引领 点燃发展“引擎”"
    catalog = read_catalog(po_file(fresh))
    entry = next(e for e in catalog if e.msgid == heading)
    entry.msgctxt, entry.msgstr = "heading", "Party building leads"
    catalog.append(polib.POEntry(msgid=heading, msgstr="An older rendering", obsolete=True))
    catalog.save(str(po_file(fresh)))
    msgfmt_ok(po_file(fresh))
    # The heading needs no context any more, so its key meets the obsolete twin's.
    code, out, err = cli(fresh, "update", SAMPLE)
    assert code == 0, err
    msgfmt_ok(po_file(fresh))
    catalog = polib.pofile(str(po_file(fresh)))
    twins = [e for e in catalog if e.msgid == heading]
    assert len(twins) == 1 and twins[0].msgctxt is None and not twins[0].obsolete
    assert twins[0].msgstr == "Party building leads"
    assert "earlier translation: An older rendering" in twins[0].tcomment


def test_heading_and_paragraph_with_the_same_text_get_a_context(fresh, cli):
    text = source_md(fresh).read_text(encoding="utf-8")
    source_md(fresh).write_text(text + "\n党建引领 点燃发展“引擎”\n", encoding="utf-8")
    assert cli(fresh, "update", SAMPLE)[0] == 0
    msgfmt_ok(po_file(fresh))
    catalog = polib.pofile(str(po_file(fresh)))
    same = [e for e in catalog if e.msgid == "党建引领 点燃发展“引擎”"]
    assert sorted(e.msgctxt for e in same) == ["heading", "paragraph"]


def test_states_are_read_from_flags_comments_and_previous_source(fresh):
    catalog = read_catalog(po_file(fresh))
    entries = list(catalog)
    entries[0].msgstr = "Reviewed."
    entries[1].msgstr, entries[1].flags = "Draft.", ["fuzzy"]
    entries[1].tcomment = machine_comment("deepl", "Draft.")
    entries[2].msgstr, entries[2].flags = "Draft, then edited by a person.", ["fuzzy"]
    entries[2].tcomment = machine_comment("deepl", "Draft.")
    entries[3].msgstr, entries[3].flags = "Old.", ["fuzzy"]
    entries[3].previous_msgid = "旧的原文"
    save_catalog(catalog, po_file(fresh))
    manuscript = read_book(fresh / "book", SAMPLE)
    found = load_translations(fresh / "translations", SAMPLE, "en", segments(manuscript))
    states = [t.state for t in found.values()]
    assert states[:5] == ["reviewed", "machine", "unreviewed", "stale", "missing"]
    lines = po_file(fresh).read_text(encoding="utf-8").splitlines()
    first = list(found.values())[1]
    assert lines[first.line - 1].startswith("# machine draft: deepl")


def test_update_refuses_a_broken_po_and_leaves_it_alone(fresh, cli):
    broken = po_file(fresh).read_text(encoding="utf-8") + '\nmsgid "x"\nmsgstr "unterminated\n'
    po_file(fresh).write_text(broken, encoding="utf-8")
    code, _, err = cli(fresh, "update", SAMPLE)
    assert code == 2
    assert f"translations/{SAMPLE}.en.po:" in err and "fix:" in err
    assert po_file(fresh).read_text(encoding="utf-8") == broken


def test_a_caption_with_the_text_of_a_heading_takes_nothing_from_it(fresh, cli):
    translate_all(fresh)
    heading = "党建引领 点燃发展“引擎”"
    reviewed = next(e for e in read_catalog(po_file(fresh)) if e.msgid == heading).msgstr
    text = source_md(fresh).read_text(encoding="utf-8")
    with_caption = text.replace(f"## {heading}", f"![{heading}](photos/01.jpg)\n\n## {heading}")
    source_md(fresh).write_text(with_caption, encoding="utf-8")
    assert cli(fresh, "update", SAMPLE)[0] == 0
    msgfmt_ok(po_file(fresh))
    entries = {e.msgctxt: e for e in polib.pofile(str(po_file(fresh))) if e.msgid == heading}
    # The heading keeps its reviewed text; the caption gets it only as a suggestion.
    assert entries["heading"].msgstr == reviewed and not entries["heading"].fuzzy
    assert entries["caption"].msgstr == reviewed and entries["caption"].fuzzy
    # The caption goes again: the heading is still the heading's.
    source_md(fresh).write_text(text, encoding="utf-8")
    assert cli(fresh, "update", SAMPLE)[0] == 0
    msgfmt_ok(po_file(fresh))
    active = [e for e in polib.pofile(str(po_file(fresh))) if e.msgid == heading
              and not e.obsolete]
    assert len(active) == 1 and active[0].msgctxt is None
    assert active[0].msgstr == reviewed and not active[0].fuzzy


def test_entries_we_do_not_make_are_kept(fresh, cli):
    catalog = read_catalog(po_file(fresh))
    catalog.append(polib.POEntry(msgid="一个苹果", msgid_plural="%d个苹果",
                                 msgstr_plural={0: "one apple", 1: "%d apples"}))
    save_catalog(catalog, po_file(fresh))
    code, out, err = cli(fresh, "update", SAMPLE)
    assert code == 0 and "1 obsolete" in out, out + err
    text = po_file(fresh).read_text(encoding="utf-8")
    assert "one apple" in text and "%d apples" in text
    msgfmt_ok(po_file(fresh))


def test_update_is_idempotent_after_an_edited_paragraph_is_deleted(fresh, cli):
    translate_all(fresh)
    paragraph = paragraphs(fresh)[4]
    text = source_md(fresh).read_text(encoding="utf-8")
    source_md(fresh).write_text(text.replace(paragraph, paragraph + "又改了。"), encoding="utf-8")
    assert cli(fresh, "update", SAMPLE)[0] == 0  # stale, with #| msgid
    source_md(fresh).write_text(text.replace(paragraph + "\n\n", ""), encoding="utf-8")
    assert cli(fresh, "update", SAMPLE)[0] == 0  # now obsolete
    before = po_file(fresh).read_bytes()
    code, out, _ = cli(fresh, "update", SAMPLE)
    assert "unchanged" in out and po_file(fresh).read_bytes() == before
    msgfmt_ok(po_file(fresh))


def test_a_po_with_a_bom_gets_a_clear_error(fresh, cli):
    data = po_file(fresh).read_bytes()
    po_file(fresh).write_bytes(b"\xef\xbb\xbf" + data)
    code, _, err = cli(fresh, "update", SAMPLE)
    assert code == 2 and f"{SAMPLE}.en.po:1: the file starts with a byte-order mark" in err


def test_a_gbk_po_is_read_and_rewritten_as_utf8(fresh, cli):
    text = po_file(fresh).read_text(encoding="utf-8").replace("charset=UTF-8", "charset=GBK")
    po_file(fresh).write_bytes(text.encode("gbk"))
    code, out, err = cli(fresh, "update", SAMPLE)
    assert code == 0, err
    assert "charset=UTF-8" in po_file(fresh).read_text(encoding="utf-8")
    msgfmt_ok(po_file(fresh))
    assert len([e for e in polib.pofile(str(po_file(fresh))) if e.msgid]) == 42


def test_a_write_killed_before_its_rename_leaves_nothing_for_long(fresh, cli):
    folder = po_file(fresh).parent
    old, young = (folder / f".{SAMPLE}.en.po.{n}.tmp" for n in ("a1B2c3D4", "z9Y8x7W6"))
    other = folder / f".{SAMPLE}.de.po.a1B2c3D4.tmp"  # another file's: not this write's
    for leftover in (old, young, other):
        leftover.write_text("half a PO file", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    for leftover in (old, other):
        os.utime(leftover, (an_hour_ago, an_hour_ago))
    catalog = read_catalog(po_file(fresh))
    catalog[0].msgstr = "A title."
    save_catalog(catalog, po_file(fresh))  # without the lock: a young one may be a write
    assert not old.exists() and young.exists() and other.exists()
    code, _, err = cli(fresh, "update", SAMPLE)  # under the lock nobody else is writing
    assert code == 0, err
    assert not young.exists() and other.exists()


def test_an_edit_undone_gives_each_translation_its_state_back(fresh, cli):
    translate_all(fresh, fuzzy_every=3)  # every third a machine draft, the rest reviewed
    catalog = read_catalog(po_file(fresh))
    paras = paragraphs(fresh)
    by_state: dict[str, str] = {}
    for paragraph in paras:
        by_state.setdefault(entry_state(catalog.find(paragraph)), paragraph)
    reviewed, machine = by_state["reviewed"], by_state["machine"]
    unreviewed = next(p for p in paras if p not in (reviewed, machine)
                      and entry_state(catalog.find(p)) == "reviewed")
    catalog.find(unreviewed).flags = ["fuzzy"]
    save_catalog(catalog, po_file(fresh))
    before = {p: (catalog.find(p).msgstr, entry_state(catalog.find(p)))
              for p in (reviewed, machine, unreviewed)}
    assert [state for _, state in before.values()] == ["reviewed", "machine", "unreviewed"]
    text = source_md(fresh).read_text(encoding="utf-8")
    edited = text
    for paragraph in before:
        edited = edited.replace(paragraph, paragraph + "又改了。", 1)
    source_md(fresh).write_text(edited, encoding="utf-8")
    assert cli(fresh, "update", SAMPLE)[0] == 0  # all three stale, with #| msgid
    source_md(fresh).write_text(text, encoding="utf-8")  # the edit undone
    code, out, err = cli(fresh, "update", SAMPLE)
    assert code == 0, err
    assert "0 edited (old translation kept as a fuzzy suggestion), 0 obsolete, 3 restored" \
        in out
    msgfmt_ok(po_file(fresh))
    after = read_catalog(po_file(fresh))
    for paragraph, (msgstr, state) in before.items():
        entry = after.find(paragraph)
        assert (entry.msgstr, entry_state(entry)) == (msgstr, state)
        assert entry.previous_msgid is None and "not reviewed" not in entry.tcomment
    assert "#| msgid" not in po_file(fresh).read_text(encoding="utf-8")
    code, out, _ = cli(fresh, "update", SAMPLE)
    assert "unchanged" in out


def test_a_huge_entry_is_refused_with_its_line_before_it_is_read(fresh, cli):
    text = po_file(fresh).read_text(encoding="utf-8")
    line = text.count("\n") + 3
    huge = '\nmsgid "巨"\nmsgstr ""\n' + f'"{"x" * 1000}"\n' * 120
    po_file(fresh).write_text(text + huge, encoding="utf-8")
    code, _, err = cli(fresh, "update", SAMPLE)
    assert code == 2
    assert f"translations/{SAMPLE}.en.po:{line}: this entry's msgstr is over 100 KB" in err
    assert "fix: split the paragraph" in err
