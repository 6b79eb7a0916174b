"""book.yaml's `short_title` (issue 14, D7): the running heads print it, in each
language given, instead of the section titles; a bad value is an error with its line."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from parabook.errors import InputError
from parabook.source.config import load_meta

from .conftest import SAMPLE, build

pytestmark = pytest.mark.integration


def _heads(pdf: Path) -> list[str]:
    """The running head of each body page (the top margin's text)."""
    with pymupdf.open(pdf) as document:
        return [page.get_text("text", clip=pymupdf.Rect(0, 0, page.rect.width, 40)).strip()
                for page in document][2:-1]


def _with(project: Path, lines: str) -> Path:
    meta = project / "book" / SAMPLE / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + lines, encoding="utf-8")
    return project


def test_the_running_heads_print_the_short_title_in_each_language(tiny_project: Path) -> None:
    before = [head for head in _heads(build(tiny_project, "--output", "email").pdf("email"))
              if head]
    assert before and all("党建引领" in head for head in before)  # the section's title
    _with(tiny_project, "short_title:\n  zh-CN: 躬身力行守初心\n  en: Staying True\n")
    heads = [head for head in _heads(build(tiny_project, "--output", "email").pdf("email"))
             if head]
    assert heads and set(heads) == {"躬身力行守初心\u2003Staying True"}


def test_a_short_title_alone_is_the_source_languages(tiny_project: Path) -> None:
    _with(tiny_project, 'short_title: "躬身力行 “守初心”"\n')
    heads = {head for head in _heads(build(tiny_project, "--output", "email").pdf("email"))
             if head}
    assert heads == {"躬身力行 “守初心”"}


@pytest.mark.unit
@pytest.mark.parametrize("value, problem", [
    ("[a, b]", "wrong type"),
    ("{Chinese: 躬身力行}", "language tag"),
    ("{en: ''}", "language tag"),
    ("'" + "长" * 61 + "'", "longer than 60"),
])
def test_a_bad_short_title_is_an_error_with_its_line(tmp_path: Path, value: str,
                                                     problem: str) -> None:
    meta = tmp_path / "book.yaml"
    meta.write_text(f"title: 标题\nbyline: 作者\nshort_title: {value}\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_meta(meta, "book")
    assert problem in str(error.value) and ":3" in str(error.value), str(error.value)
