"""Render the document model to HTML with Jinja2 (autoescaped, StrictUndefined)."""

from __future__ import annotations

import re
import subprocess
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from parabook.errors import SetupError
from parabook.lang import language
from parabook.layouts import LAYOUTS
from parabook.model import Document, LayoutPlan, OutputSpec
from parabook.typeset import geometry
from parabook.typeset.linebreak import HYPHEN, break_lines
from parabook.typeset.zhbreak import AUTOSPACE_EM, break_zh

TEMPLATE = "booklet.html.j2"
FILLER_PAGES = 3
"""Pages the template sets before the back cover, one each, so that a booklet of any
length can be padded to a multiple of 4 in its layout (`pdf.lay_out` keeps 0-3 of
them): every output has the same pages, and the back cover is the last verso."""


# Full-width punctuation whose ink sits on one side of its em square (Simplified
# Chinese forms): closing marks leave the right half blank, opening marks the left.
CLOSING = "，。、；：？！”’）》」』】〕〉"
OPENING = "“‘（《「『【〔〈"


ZWSP = "\u200b"


def zh(text: str) -> Markup:
    """Escape Chinese text and compress adjacent punctuation (。” ”， ）。 …).

    In a pair of full-width marks the blank half between them is removed, as
    Chinese typesetting does, with the font's `halt` feature on one of the two.
    Curly quotes are "ambiguous" for line breaking (UAX #14 QU), so Pango never
    breaks before “ or after ”, and lines fall a character or two short. Chinese
    allows both: a zero-width space there gives the break. It has no glyph, so
    text copied out of the PDF stays as written.
    """
    out: list[str] = []
    for index, char in enumerate(text):
        after = text[index + 1] if index + 1 < len(text) else ""
        before = text[index - 1] if index else ""
        if char in "“‘" and before and before not in CLOSING + OPENING and not before.isspace():
            out.append(ZWSP)
        if (char in CLOSING and after in CLOSING + OPENING and after) or (
                char in OPENING and before in OPENING and before):
            out.append(f'<span class="halt">{escape(char)}</span>')
        else:
            out.append(str(escape(char)))
        if char in "”’" and after and after not in CLOSING + OPENING and not after.isspace():
            out.append(ZWSP)
    return Markup("".join(out))


def lines(text: str, width_pt: float, lang: str, ragged: bool = False,
          first: int = 0, last: int | None = None) -> Markup:
    """Escape a translation and set its line breaks for the whole paragraph
    (`linebreak`); each line is a nowrap span, so WeasyPrint breaks only there.
    `first`, `last`: only those lines (a paragraph cut across pages, `layouts.facing`)."""
    chosen = (break_lines(text, width_pt, lang=lang, ragged=ragged,
                          size=geometry.TYPOGRAPHY.tr.size_pt) if width_pt > 0 else None)
    if chosen is None:
        return Markup(escape(text))
    chosen = chosen[first:last]
    out = []
    for index, line in enumerate(chosen):
        style = f' style="letter-spacing: {line.tracking:.3f}pt"' if line.tracking else ""
        joint = "" if index == 0 or chosen[index - 1].text.endswith((HYPHEN, "-")) else " "
        shown = escape(line.text)
        if line.text.endswith(HYPHEN):  # its own box: copied text leaves it out (`weasy`)
            shown = escape(line.text[:-1]) + Markup(f'<span class="hy">{HYPHEN}</span>')
        out.append(f'{joint}<span class="ln"{style}>{shown}</span>')
    return Markup("".join(out))


def zh_lines(text: str, width_pt: float, size_pt: float | None = None,
             indent_em: float | None = None, first: int = 0, last: int | None = None
             ) -> Markup:
    """Escape a Chinese body paragraph and set its line breaks for the whole paragraph
    (`zhbreak`): each line a nowrap span, joined by zero-width spaces, its compressed
    marks in `halt` spans and ¼ em after Han beside Latin or digits (`as` spans).
    `size_pt`, `indent_em` (default: the booklet's), `first`, `last` (only those lines):
    for a layout with a size of its own and paragraphs cut across pages (`facing`)."""
    type_ = geometry.TYPOGRAPHY
    size = type_.zh.size_pt if size_pt is None else size_pt
    indent = type_.zh_indent_em if indent_em is None else indent_em
    chosen = break_zh(text, width_pt, size, indent) if width_pt > 0 else None
    if chosen is None:
        return zh(text)
    chosen = chosen[first:last]
    out = []
    for line in chosen:
        chars = []
        for index, char in enumerate(line.text):
            shown = str(escape(char))
            if index == 0 and index in line.halts and char in OPENING:
                # `halt` is lost at a line's start (Pango): pull the blank half out.
                shown = f'<span class="ls">{shown}</span>'
            elif index in line.halts:
                shown = f'<span class="halt">{shown}</span>'
            if index in line.autospace and line.autospace_extra:  # widened to fill
                space = AUTOSPACE_EM * type_.zh.size_pt + line.autospace_extra
                shown = f'<span class="as" style="margin-right: {space:.3f}pt">{shown}</span>'
            elif index in line.autospace:
                shown = f'<span class="as">{shown}</span>'
            chars.append(shown)
        style = f' style="letter-spacing: {line.tracking:.3f}pt"' if line.tracking else ""
        out.append(f'<span class="zl"{style}>{"".join(chars)}</span>')
    return Markup(ZWSP.join(out))


HEADING_PART_MAX = 10
"""A heading part longer than this many characters may break inside (it might not fit)."""


def zh_heading(text: str) -> Markup:
    """A Chinese heading whose parts (separated by spaces: 党建引领 点燃发展“引擎”) each
    stay on one line, so that it breaks only at its separator."""
    parts = text.split(" ")
    if len(parts) < 2:
        return zh(text)
    return Markup(" ").join(
        Markup(f'<span class="nb">{zh(part)}</span>') if 0 < len(part) <= HEADING_PART_MAX
        else zh(part) for part in parts)


def zh_width(plan: LayoutPlan) -> float:
    """The width in points a Chinese body paragraph is set in, in either layout."""
    column = getattr(plan, "source_column", None)
    if isinstance(column, str) and column.endswith("pt"):
        return float(column[:-2]) - geometry.TYPOGRAPHY.column_padding_mm * geometry.MM
    return float(getattr(plan, "target_width_pt", 0.0))


@cache
def _ascent_descent(family: str, bold: bool = False) -> tuple[float, float]:
    """The face's hhea ascent and descent in ems: what Pango, and so WeasyPrint, places a
    line's baseline with."""
    pattern = f"{family}:weight={'bold' if bold else 'regular'}"
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", pattern],
                               capture_output=True, text=True, check=True, timeout=30)
        path, _, index = found.stdout.partition("\n")
        with TTFont(path, fontNumber=int(index or 0), lazy=True) as font:
            em = font["head"].unitsPerEm
            return font["hhea"].ascent / em, -font["hhea"].descent / em
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise SetupError(f"cannot read the font {family} ({exc})",
                         fix="install it: scripts/setup-system.sh") from exc


def first_baseline_pt(family: str, size_pt: float, leading: float, bold: bool = False) -> float:
    """Where a paragraph's first baseline sits below its top: the half-leading, then the
    ascent."""
    ascent, descent = _ascent_descent(family, bold)
    return size_pt * (leading - ascent - descent) / 2 + size_pt * ascent


def baseline_shifts(page: geometry.PageGeometry) -> dict[str, float]:
    """Padding (pt) above each cell of a row so both columns' first baselines are level,
    as paracol's \\switchcolumn* gives: `zh`/`tr` for paragraphs, `zh_heading`/
    `tr_heading` for headings (sizes as styles/layouts/parallel.css sets them)."""
    kind = page.type
    zh = first_baseline_pt("Noto Serif CJK SC", kind.zh.size_pt, kind.zh.leading)
    tr = first_baseline_pt("Noto Serif", kind.tr.size_pt, kind.tr.leading)
    # Chinese headings: Noto Sans CJK SC bold at the heading size (styles/booklet.css).
    zh_h = first_baseline_pt("Noto Sans CJK SC", kind.heading_pt, kind.zh.leading, True)
    tr_h = first_baseline_pt("Noto Serif", kind.heading_pt, kind.tr.leading, True)
    return {"zh": max(tr - zh, 0), "tr": max(zh - tr, 0),
            "zh_heading": max(tr_h - zh_h, 0), "tr_heading": max(zh_h - tr_h, 0)}


def css_string(text: str) -> Markup:
    """`text` as a CSS string, every character but letters and digits escaped (for a
    `content:` inside the template's <style>, where HTML escaping does not apply)."""
    return Markup('"' + "".join(char if char.isascii() and char.isalnum()
                                else f"\\{ord(char):06x}" for char in text) + '"')


@lru_cache(maxsize=8)  # compiling the templates takes a tenth of a second; an edited
# template is reloaded (Jinja checks its time)
def environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["zh"] = zh
    env.filters["lines"] = lines
    env.filters["zh_lines"] = zh_lines
    env.filters["zh_heading"] = zh_heading
    env.filters["css_string"] = css_string
    env.globals["zh_width"] = zh_width
    env.globals["language"] = language  # labels in each language (parabook/lang/)
    env.tests["match_year"] = lambda text: bool(re.fullmatch(r"\d{4}", str(text)))
    return env


def render_html(document: Document, plan: LayoutPlan, templates_dir: Path,
                stylesheet: Path, output: OutputSpec) -> str:
    """The booklet as one HTML string, in the document's layout with its `plan`
    (`layouts.plan_layout`); `stylesheet`, then the layout's own from the folder beside
    it, are linked by `file:` URL, the page geometry and type sizes (`geometry.PAGES`)
    written into it."""
    layout = LAYOUTS[document.meta.layout]
    sheets = [stylesheet, stylesheet.parent / layout.stylesheet]
    for sheet in sheets:  # WeasyPrint would only log it, and lay the booklet out unstyled
        if not sheet.is_file():
            raise SetupError("stylesheet missing", path=sheet,
                             fix="restore it from the repository, e.g. with git checkout")
    template = environment(templates_dir).get_template(TEMPLATE)
    page = geometry.PAGES[document.meta.page_size]
    return template.render(doc=document, plan=plan, output=output, filler_pages=FILLER_PAGES,
                           page=page, shifts=baseline_shifts(page),
                           layout_template=layout.template,
                           stylesheet_url=sheets[0].resolve().as_uri(),
                           layout_stylesheet_url=sheets[1].resolve().as_uri())
