"""Each layout renders with its own template and stylesheet, and plans what only it needs."""

from __future__ import annotations

from pathlib import Path

import polib
import pymupdf
import pytest

from parabook.catalog.po import load_translations
from parabook.compose.pairing import pair
from parabook.layouts import LAYOUTS, plan_layout
from parabook.output.outputs import SPECS
from parabook.render.html import render_html
from parabook.source.manuscript import read_book, segments
from parabook.typeset.geometry import TYPOGRAPHY
from parabook.typeset.measure import CELL_PADDING, text_width_pt

from .conftest import REPO, SAMPLE, build, copy_project
from .pdfgeom import glyphs, in_text_area, is_cjk, lines

SHORT_ZH, SHORT_EN = "这一段很短。", "This paragraph is short."


def tiny_book(root: Path, layout: str) -> None:
    """The sample cut to its first five blocks (a heading among them) and one short pair,
    in `layout`; every text reviewed."""
    book = root / "book" / SAMPLE
    blocks = (book / "source.zh.md").read_text(encoding="utf-8").split("\n\n")[:5]
    (book / "source.zh.md").write_text("\n\n".join([*blocks, SHORT_ZH]) + "\n",
                                       encoding="utf-8")
    meta = book / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("layout: parallel",
                                                             f"layout: {layout}"),
                    encoding="utf-8")
    path = root / "translations" / f"{SAMPLE}.en.po"
    po = polib.pofile(str(path), wrapwidth=0)
    po.append(polib.POEntry(msgid=SHORT_ZH, msgstr=SHORT_EN, comment="paragraph"))
    po.save(str(path))


@pytest.fixture(scope="module", params=["parallel", "stacked"])  # facing: test_facing.py
def built(request, tmp_path_factory):
    """(layout, root, html, plan, email pdf, stdout) of the tiny book in each layout."""
    layout = request.param
    root = copy_project(tmp_path_factory.mktemp(layout))
    tiny_book(root, layout)
    manuscript = read_book(root / "book", SAMPLE)
    document = pair(manuscript, "en", load_translations(
        root / "translations", SAMPLE, "en", segments(manuscript)))
    plan = plan_layout(document)
    html = render_html(document, plan, root / "templates", root / "styles" / "booklet.css",
                       SPECS["email"])
    built = build(root, "--output", "email", "--final")
    return layout, root, html, plan, built.pdf("email"), built.out


def body_lines(pdf: Path, cjk: bool):
    all_glyphs, sizes = glyphs(pdf)
    picked = [g for g in all_glyphs if is_cjk(g) == cjk and not g.bold
              and 2 < g.page < len(sizes) and in_text_area(g, sizes)]
    return lines(picked, gap=12)


def test_every_layout_has_its_template_and_stylesheet():
    assert set(LAYOUTS) == {"parallel", "stacked", "facing"}
    for name, layout in LAYOUTS.items():
        assert layout.name == name
        assert (REPO / "templates" / layout.template).is_file()
        assert (REPO / "styles" / layout.stylesheet).is_file()


def test_the_layout_stylesheet_is_linked_after_the_common_one(built):
    layout, root, html, *_ = built
    common = (root / "styles" / "booklet.css").resolve().as_uri()
    own = (root / "styles" / "layouts" / f"{layout}.css").resolve().as_uri()
    assert html.index(f'href="{common}"') < html.index(f'href="{own}"')


def test_each_layout_renders_its_own_markup(built):
    layout, _, html, plan, *_ = built
    if layout == "parallel":
        assert '<table class="parallel">' in html and "<main" not in html
        assert f'<col class="source" style="width: {plan.source_column}">' in html
    else:
        assert '<main class="stacked">' in html and "<table" not in html
    # The cover, the contents and the colophon stay common.
    for part in ('<section class="cover">', '<nav class="contents">',
                 '<section class="colophon">'):
        assert part in html


def test_only_the_short_pair_is_kept_whole(built):
    layout, _, html, plan, *_ = built
    end = "</tr>" if layout == "parallel" else "</section>"
    kept = [part.split(end)[0] for part in html.split('class="pair keep"')[1:]]
    assert len(plan.kept) == 1 and len(kept) == 1 and SHORT_ZH in kept[0], kept


def test_the_build_prints_the_layouts_notes(built):
    layout, *_, out = built
    assert ("columns: Chinese " in out) == (layout == "parallel"), out


def test_the_layout_rules_reach_the_pdf(built):
    """Measured on the PDF: rules only the layout's stylesheet has took effect."""
    layout, _, _, plan, pdf, _ = built
    chinese, english = body_lines(pdf, cjk=True), body_lines(pdf, cjk=False)
    # Both layouts set the Chinese in geometry.TYPOGRAPHY.zh's size.
    assert {g.size for line in chinese for g in line.glyphs} == {TYPOGRAPHY.zh.size_pt}
    width = text_width_pt("A5")
    # (A line-start opening mark set half width has its glyph box half outside.)
    # The text block's left edge, by page side (a page may hold only an indented line).
    left = {line.page: min(x.x0 + (5 * (x in chinese and x.text.lstrip("\u200b")[0] in "“‘（《"))
                           for x in chinese + english if x.page % 2 == line.page % 2)
            for line in chinese + english}
    if layout == "parallel":  # two columns, the Chinese one `plan.source_column` wide
        column = float(plan.source_column.removesuffix("pt"))
        # A line-end mark set half width (clreq) keeps its full-width glyph box: its
        # blank half may pass the column's edge; its em box may not.
        ends = [line.x1 - (5 if line.text.rstrip(" \u200b")[-1] in "，。、；：？！”’）》" else 0)
                for line in chinese]
        assert max(end - left[line.page] for end, line in zip(ends, chinese, strict=True)
                   ) <= column - CELL_PADDING + 0.5  # flush within 0.5 pt (issue 14)
        starts = {round(line.x0 - left[line.page]) for line in english}
        assert starts == {round(column + CELL_PADDING)}, starts
    else:  # one column: each language the full width, the translation in #222
        for found in (chinese, english):
            assert max(line.x1 - left[line.page] for line in found) > width - 12
        assert min(line.x0 for line in english) - min(line.x0 for line in chinese) < 1
        doc = pymupdf.open(pdf)
        colours = {span["color"] for page in doc.pages(2, len(doc) - 1)
                   for block in page.get_text("dict")["blocks"]
                   for row in block.get("lines", []) for span in row["spans"]
                   if span["font"] == "Noto-Serif"
                   and round(span["size"], 2) == TYPOGRAPHY.tr.size_pt}
        assert colours == {0x222222}, colours


def test_a_missing_layout_stylesheet_stops_the_build(tmp_path, cli):
    root = copy_project(tmp_path / "project")
    tiny_book(root, "stacked")
    (root / "styles" / "layouts" / "stacked.css").unlink()
    code, _, err = cli(root, "build", SAMPLE, "--output", "email")
    assert code == 3, err
    assert "styles/layouts/stacked.css: stylesheet missing" in err
    assert not (root / "dist" / f"{SAMPLE}.email.pdf").exists()
