"""The preflight report: each check finds what it looks for in a real layout, and says
where; missing glyphs are caught before layout with file:line and code point, and a
final build refuses them."""

from __future__ import annotations

import polib
import pytest

from parabook.errors import InputError
from parabook.typeset import fonts, justify, preflight, weasy

from .conftest import SAMPLE

pytestmark = pytest.mark.integration

PAGE = "<style>@page { size: 148mm 210mm; margin: 20mm }</style>"


def _report(body: str) -> preflight.Report:
    html = f'<html lang="zh-CN"><body>{PAGE}{body}</body></html>'
    with justify.installed():
        document = weasy.HTML(string=html).render()
    return preflight.check(document)


def _kinds(report: preflight.Report) -> list[str]:
    return [finding.kind for finding in report.problems]


def test_a_lone_word_is_found_with_its_page_and_paragraph() -> None:
    report = _report('<p lang="en" style="width: 40mm; text-align: justify; '
                     'font-family: Noto Serif">Wires antidisestablishmentarianism once '
                     'tangled like cobwebs have been put in order.</p>')
    found = [f for f in report.problems if f.kind == "lone word"]
    assert found and found[0].page == 1 and found[0].segment.startswith("Wires")
    assert "lone word" in str(found[0]) and "p.1" in str(found[0])


def test_gu_zi_and_short_chinese_lines_are_found() -> None:
    # Twelve characters and a full stop in a column of twelve: "。" cannot start a
    # line, so Pango pushes a character down with it: a 孤字.
    report = _report('<p lang="zh-CN" style="width: 120.05pt; font-size: 10pt; '
                     'text-align: justify; font-family: Noto Serif CJK SC">'
                     '城北新区党工委严格落实意识。</p>')
    assert "孤字" in _kinds(report)
    # A Latin run too wide for the rest of the first line: "城北" alone, unjustifiable.
    report = _report('<p lang="zh-CN" style="width: 120.05pt; font-size: 10pt; '
                     'text-align: justify; font-family: Noto Serif CJK SC">'
                     '城北ABCDEFGHIJKLMNOPQRSTUVWXYZ城北新区办事处。</p>')
    short = [f for f in report.problems if f.kind == "short Chinese line"]
    assert short and "“城北”" in short[0].detail


def test_a_heading_split_inside_a_part_is_found_and_one_at_its_separator_is_not() -> None:
    inside = _report('<h2 lang="zh-CN" style="width: 60pt; font-size: 11pt">'
                     '党建引领 点燃发展“引擎”</h2>')
    assert "heading split" in _kinds(inside)
    at_separator = _report('<h2 lang="zh-CN" style="width: 100pt; font-size: 11pt">'
                           '<span style="white-space: nowrap">党建引领</span> '
                           '<span style="white-space: nowrap">点燃发展“引擎”</span></h2>')
    assert "heading split" not in _kinds(at_separator)


def test_the_sample_report_is_clean(tiny_project, cli) -> None:
    code, out, _ = cli(tiny_project, "build", SAMPLE, "--output", "email")
    assert code == 0
    assert ("preflight: 0 lone word, 0 孤字, 0 short Chinese line, 0 heading split, "
            "0 running head wraps, 0 missing glyph") in out


def test_rare_characters_are_covered_by_the_fallback_face() -> None:
    draws = fonts.covered()
    assert draws("𪚥") and draws("𱍊") and draws("中") and draws("a")
    assert not draws("\U0010fffd")


def test_a_character_no_font_has_is_named_with_file_line_and_code_point(
        tiny_project, cli) -> None:
    po_path = tiny_project / "translations" / f"{SAMPLE}.en.po"
    catalog = polib.pofile(str(po_path))
    entry = next(e for e in catalog if e.msgstr and len(e.msgstr) > 100)
    entry.msgstr = entry.msgstr.replace(" ", " \U000f0001 ", 1)
    catalog.save(str(po_path))
    line = next(n for n, text in enumerate(po_path.read_text(encoding="utf-8").splitlines(), 1)
                if "\U000f0001" in text)
    code, out, err = cli(tiny_project, "build", SAMPLE, "--output", "email")
    assert code == 0
    assert f"{SAMPLE}.en.po:{line}" in err and "U+F0001" in err
    assert "1 missing glyph" in out
    code, _, err = cli(tiny_project, "build", SAMPLE, "--final", "--output", "email")
    assert code == 2 and "U+F0001" in err and f"{SAMPLE}.en.po:{line}" in err


def test_missing_glyphs_final_raises(tmp_path) -> None:
    source = tmp_path / "source.zh.md"
    source.write_text("第一段。\n\n名字\U000f0002\n", encoding="utf-8")
    found = fonts.missing_glyphs([source])
    assert [(d.line, d.code) for d in found] == [(3, "glyph.missing")]
    with pytest.raises(InputError, match="U\\+F0002"):
        fonts.missing_glyphs([source], final=True)
