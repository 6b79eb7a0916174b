"""One gate: `check --final` and `build --final` agree on every test book.

Ready means every entry reviewed and no finding unwaived (`qa.CheckReport.final`); a
final build also needs every photo, so the books here have theirs."""

from __future__ import annotations

import shutil

import pytest

from parabook import service
from parabook.catalog.po import read_catalog, save_catalog
from parabook.model import Place
from parabook.project import Project

from .conftest import REPO, SAMPLE, copy_project
from .photogen import add_photos

pytestmark = pytest.mark.slow


def _entry_edit(root, find, change) -> None:
    po = root / "translations" / f"{SAMPLE}.en.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog if find in e.msgid)
    change(entry)
    save_catalog(catalog, po)


def _reviewed(root) -> None:
    pass


def _unreviewed(root) -> None:
    _entry_edit(root, "曾经坑洼不平", lambda e: e.flags.append("fuzzy"))


def _glossary_miss(root) -> None:
    _entry_edit(root, "党建引领 点燃发展",
                lambda e: setattr(e, "msgstr", "Party Work Leads the Way"))


def _waived(root) -> None:
    _glossary_miss(root)
    service.waive(Project(root), SAMPLE, "en", Place("heading", section=1), "glossary",
                  "a headline may shorten the term")


def _straight_quotes(root) -> None:
    _entry_edit(root, "党建引领 点燃发展", lambda e: setattr(
        e, "msgstr", 'Party Building Leads the Way, Igniting the "Engine" of Development'))


def _straight_quotes_switched_off(root) -> None:
    _straight_quotes(root)
    with (root / "book" / SAMPLE / "book.yaml").open("a", encoding="utf-8") as f:
        f.write("skip_checks: [style.straight-quotes]\n")


def _missing_file(root) -> None:
    (root / "translations" / f"{SAMPLE}.en.po").unlink()


BOOKS = {"reviewed": _reviewed, "unreviewed": _unreviewed, "glossary-miss": _glossary_miss,
         "waived": _waived, "straight-quotes": _straight_quotes,
         "straight-quotes-off": _straight_quotes_switched_off, "no-po": _missing_file}


@pytest.mark.parametrize("name", list(BOOKS))
def test_check_final_and_build_final_agree(name, tiny_project, cli):
    BOOKS[name](tiny_project)
    check, out, err = cli(tiny_project, "check", SAMPLE, "--final")
    build, bout, berr = cli(tiny_project, "build", SAMPLE, "--final", "--output", "email")
    assert (check == 0) == (build == 0), (name, out, err, berr)
    expected_ready = name in ("reviewed", "waived", "straight-quotes-off")
    assert (check == 0) is expected_ready, (name, out, err)
    if build:
        assert "not ready for a final booklet" in berr


def test_the_german_sample_agrees_too(tiny_project, cli):
    shutil.copy(REPO / "tests" / "data" / f"{SAMPLE}.de.po",
                tiny_project / "translations" / f"{SAMPLE}.de.po")
    check, out, err = cli(tiny_project, "check", SAMPLE, "--lang", "de", "--final")
    build, _, berr = cli(tiny_project, "build", SAMPLE, "--lang", "de", "--final",
                         "--output", "email")
    assert (check == 0) == (build == 0), (out, err, berr)


def test_the_whole_sample_agrees_and_is_ready(tmp_path, cli):
    """The sample with its photos (a final build's own extra requirement): ready."""
    root = copy_project(tmp_path / "sample")
    add_photos(root)
    check, out, err = cli(root, "check", SAMPLE, "--final")
    build, _, berr = cli(root, "build", SAMPLE, "--final", "--output", "email")
    assert check == build == 0, (out, err, berr)
