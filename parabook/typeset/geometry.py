"""Page geometry and type sizes: the one source for the stylesheet and the code that measures.

The template (templates/booklet.html.j2) writes them into the booklet: the page's size
and margins as `@page` rules, since WeasyPrint takes no `var()` in `@page` descriptors,
and the type sizes, leading and spacing as CSS custom properties, which
styles/booklet.css uses with `var()`. `measure` chooses the column split and `outputs`
sizes the photos from the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

MM = 72 / 25.4
"""Points per millimetre."""


@dataclass(frozen=True)
class Type:
    """A type size and its line height."""

    size_pt: float
    """The font size, in pt."""
    leading: float
    """The line height, in multiples of the size."""


@dataclass(frozen=True)
class Typography:
    """The booklet's type and the spacing measured with it."""

    zh: Type = Type(9.5, 1.75)
    """Chinese body text: 9.5 pt, so that a parallel column of 14 characters
    (`layouts.parallel.MIN_CHARS`) leaves the translation room (issue 15, D14)."""
    tr: Type = Type(9.0, 1.45)
    """Translation body text, and the document's base size: half a point under the
    Chinese, whose characters look smaller at one size."""
    zh_indent_em: float = 2.0
    """First-line indent of a Chinese paragraph, in em."""
    heading_pt: float = 11.0
    """Section headings (their leading is the body text's)."""
    caption: Type = Type(8.5, 1.45)
    """Figure captions, both languages."""
    paragraph_gap_mm: float = 2.6
    """Below each body paragraph."""
    column_padding_mm: float = 3.5
    """Each column's padding at the gutter between the Chinese and the translation
    column: the gutter is twice this."""


TYPOGRAPHY = Typography()
"""The booklet's type, the same on every page size."""


@dataclass(frozen=True)
class PageGeometry:
    """One page size: the trimmed page, its margins, and the type set on it."""

    size: str
    """Its name in `book.yaml` (`page_size`)."""
    width_mm: float
    """Trimmed page width."""
    height_mm: float
    """Trimmed page height."""
    margin_top_mm: float = 16.0
    margin_bottom_mm: float = 18.0
    margin_inner_mm: float = 13.0
    """At the spine: the left margin of a right-hand page. A saddle-stitched booklet
    opens flat and loses little at the fold: at most the outer margin."""
    margin_outer_mm: float = 16.0
    """At the fore-edge, where the thumbs hold the booklet."""
    type: Typography = TYPOGRAPHY
    """The type set on it."""
    max_photo_height_mm: float = 95.0
    """The tallest a photo is printed."""
    figure_gap_mm: float = 5.0
    """At least this between two half-width figures side by side."""

    @property
    def text_width_mm(self) -> float:
        """The width between the margins."""
        return self.width_mm - self.margin_inner_mm - self.margin_outer_mm

    @property
    def text_width_pt(self) -> float:
        return self.text_width_mm * MM


PAGES = {page.size: page for page in (
    PageGeometry("A5", 148.0, 210.0),
    PageGeometry("A4", 210.0, 297.0),
    PageGeometry("B5", 176.0, 250.0),
)}
"""Every page size `book.yaml` may name."""

