"""Plain typed data passed between the stages. Nothing here touches the disk."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from parabook.diagnostics import Diagnostic


@dataclass(frozen=True)
class BookMeta:
    """What `book.yaml` says about a publication."""

    slug: str
    """Folder name under `book/`, also the stem of every output file."""
    title: str
    """Title in the source language."""
    subtitle: str
    """Subtitle in the source language; empty when there is none."""
    byline: str
    """Author or authors, as printed under the title."""
    date: str
    """Publication date as written (`2021`, `2021-12-30`)."""
    source_lang: str
    """BCP 47 tag of the manuscript, e.g. `zh-CN`."""
    target_langs: tuple[str, ...]
    """Languages the booklet is translated into, e.g. `("en",)`."""
    page_size: str
    """CSS page size, e.g. `A5`."""
    layout: str
    """Arrangement of source and translation, a name in `parabook.layouts.LAYOUTS`:
    `parallel` (side by side), `stacked` or `facing` (verso and recto)."""
    source_share: float | None
    """Fraction of the text width given to the source column; None: measured."""
    cover_photo: str = ""
    """Photo for the cover, relative to the book folder; empty for none."""
    publisher: str = ""
    """Colophon: who publishes it (source language, translated like the text)."""
    place: str = ""
    """Colophon: where (source language, translated like the text)."""
    translation_note: str = ""
    """Colophon: a note in the target language, e.g. who reviewed the translation."""
    editor_note: str = ""
    """Colophon: the editor's corrections to the original text (source language)."""
    skip_checks: tuple[str, ...] = ()
    """QA checks turned off for this book (`qa.SWITCHABLE`)."""
    cover_photo_line: int | None = None
    """Line of `cover_photo` in `book.yaml`, for messages about the cover photo."""
    translation_align: str = "auto"
    """`justify`, `ragged` (ragged-right) or `auto`: ragged in the parallel layout."""

    pdfx: bool = False
    """The print PDF is PDF/X-4 (`parabook.output.printfile`)."""
    blank_pages: str = "notes"
    """Pages padding the booklet to a multiple of 4: `notes` (headed Notes) or `blank`."""
    cover_alt: str = ""
    """What the cover photo shows, for screen readers; empty: the title."""
    cover_focus: tuple[float, float] = (0.5, 0.5)
    """The point of the cover photo kept in view when it is cut to fit the cover."""
    short_title: tuple[tuple[str, str], ...] = ()
    """(language tag, text): the running heads' text instead of the section titles."""

    def short_title_for(self, lang: str) -> str:
        """The short title in `lang` (its tag, or the same base language), or ""."""
        base = lang.replace("_", "-").split("-")[0].lower()
        exact = [text for tag, text in self.short_title if tag.lower() == lang.lower()]
        same = [text for tag, text in self.short_title
                if tag.replace("_", "-").split("-")[0].lower() == base]
        return (exact or same or [""])[0]

    @property
    def ragged(self) -> bool:
        """Whether the translation is set ragged-right."""
        return self.translation_align == "ragged" or (
            self.translation_align == "auto" and self.layout == "parallel")


@dataclass(frozen=True)
class Heading:
    """A section heading."""

    text: str
    line: int
    """1-based line in `source.zh.md`."""
    level: int = 2
    """2 for `## ` sections, 3 and 4 for `### ` and `#### ` sub-sections."""


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph."""

    text: str
    line: int


@dataclass(frozen=True)
class Figure:
    """A photo with its caption, written `![caption](photos/NN.jpg "options")`."""

    caption: str
    src: str
    """Path as written in the manuscript, relative to the book folder."""
    line: int
    width: Literal["full", "half"] = "full"
    """`half`: two half-width figures in a row sit side by side."""
    crop: tuple[int, int] | None = None
    """Aspect ratio to cut the photo to, e.g. (3, 2); None keeps the whole photo."""
    focus: tuple[float, float] = (0.5, 0.5)
    """Centre of the crop as fractions of the width and height."""
    alt: str = ""
    """What the photo shows, for screen readers (`alt=` option); empty: the caption."""


Block = Heading | Paragraph | Figure


@dataclass(frozen=True)
class Manuscript:
    """A whole publication as read from `book/<slug>/`."""

    folder: Path
    meta: BookMeta
    blocks: tuple[Block, ...]
    source_path: Path
    """The Markdown file the blocks came from."""


SegmentKind = Literal["title", "subtitle", "byline", "heading", "paragraph", "caption",
                      "publisher", "place"]


@dataclass(frozen=True)
class Place:
    """Where a segment stands in the book: compared as data, described for people.

    `describe()` is the wording of PO extracted comments and messages; `parse()` reads
    it back (for PO files written before an entry carried its kind another way). Both
    live here so that the wording has one owner.
    """

    kind: SegmentKind
    section: int = 0
    """Section number (1-based) of a heading or paragraph; 0 before the first heading."""
    number: int = 0
    """Paragraph number within its section; 0 for other kinds."""
    photo: str = ""
    """A caption's photo path as the manuscript writes it."""

    def describe(self) -> str:
        """E.g. `section 2, paragraph 3`, `section 1 heading`, `caption of photos/01.jpg`."""
        if self.kind == "heading":
            return f"section {self.section} heading"
        if self.kind == "paragraph":
            part = f"section {self.section}" if self.section else "opening"
            return f"{part}, paragraph {self.number}"
        if self.kind == "caption":
            return f"caption of {self.photo}"
        return _FIXED_PLACES.get(self.kind, self.kind)

    def describe_in(self, lang: str) -> str:
        """`describe()` for a person reading `lang`: Chinese (`zh`, e.g. `第2节 第3段`,
        `第1节标题`, `图注：photos/01.jpg`) or, for any other, English."""
        if not lang.startswith("zh"):
            return self.describe()
        if self.kind == "heading":
            return f"第{self.section}节标题"
        if self.kind == "paragraph":
            part = f"第{self.section}节" if self.section else "开头"
            return f"{part} 第{self.number}段"
        if self.kind == "caption":
            return f"图注：{self.photo}"
        return _FIXED_PLACES_ZH.get(self.kind, self.kind)

    @classmethod
    def parse(cls, text: str) -> Place | None:
        """The place `describe()` wrote as `text`; None for any other text."""
        for kind, fixed in _FIXED_PLACES.items():
            if text == fixed:
                return cls(kind)  # type: ignore[arg-type]
        if text.startswith("caption of ") and len(text) > len("caption of "):
            return cls("caption", photo=text[len("caption of "):])
        found = _PLACE_RE.fullmatch(text)
        if found is None:
            return None
        if found["heading"]:
            return cls("heading", section=int(found["heading"]))
        section = int(found["section"]) if found["section"] else 0
        return cls("paragraph", section=section, number=int(found["number"]))


_FIXED_PLACES = {"title": "title", "subtitle": "subtitle", "byline": "byline",
                 "publisher": "colophon: publisher", "place": "colophon: place"}
_FIXED_PLACES_ZH = {"title": "标题", "subtitle": "副标题", "byline": "署名",
                    "publisher": "封底：出版单位", "place": "封底：地点"}
_PLACE_RE = re.compile(r"section (?P<heading>[1-9]\d*) heading"
                       r"|(?:section (?P<section>[1-9]\d*)|opening), "
                       r"paragraph (?P<number>[1-9]\d*)")


@dataclass(frozen=True)
class Segment:
    """One translatable unit of the manuscript."""

    kind: SegmentKind
    text: str
    """Source text, the `msgid` of its translation entry."""
    place: Place
    """Where it stands; `where` describes it for people."""

    @property
    def where(self) -> str:
        """Human description of the place, e.g. `section 2, paragraph 3`."""
        return self.place.describe()


TranslationState = Literal["reviewed", "machine", "stale", "unreviewed", "missing"]


@dataclass(frozen=True)
class Translation:
    """A segment's translation and its review state, as the PO file records it."""

    text: str | None
    """The translation; None when there is none (state `missing`)."""
    state: TranslationState
    """`reviewed`; `machine` draft; `stale` (the source changed); `unreviewed`; `missing`."""
    line: int | None
    """Line of the entry in the PO file; None when the file has no entry."""


@dataclass(frozen=True)
class Bilingual:
    """A source text beside its translation, ready for the template."""

    source: str
    target: str | None
    """None renders as a visible "translation pending" mark, never as the source."""
    state: TranslationState = "reviewed"
    """Anything but `reviewed` is printed tinted, with a margin mark, in a draft build."""

    @property
    def mark(self) -> str | None:
        """The margin mark of an unreviewed translation."""
        return DRAFT_MARKS.get(self.state) if self.target is not None else None


DRAFT_MARKS = {"machine": "machine draft", "stale": "source changed",
               "unreviewed": "not reviewed"}


@dataclass(frozen=True)
class PhotoView:
    """A figure's photo as the template places it."""

    expected: str
    """File name as written in the manuscript (shown on a placeholder)."""
    source: Path | None
    """The photo file; None when it is missing or unusable."""
    figure: Figure
    """The manuscript's figure, with its width and crop options."""
    url: str | None = None
    """`file:` URL of the photo prepared for one output; None until then, or missing."""
    width_mm: float | None = None
    """Printed width, set with the prepared photo."""
    max_height_mm: float | None = None
    """Printed at most this high: scaled down to fill a page (`compose.floats`)."""


@dataclass(frozen=True)
class FigureView:
    """One photo with its bilingual caption."""

    caption: Bilingual
    photo: PhotoView


@dataclass(frozen=True)
class Row:
    """One row of the booklet: a heading, a paragraph pair, or a row of figures."""

    kind: Literal["heading", "paragraph", "figures"]
    text: Bilingual | None = None
    """Heading or paragraph text; None for figures."""
    figures: tuple[FigureView, ...] = ()
    """One full-width figure, or one or two half-width figures side by side."""
    heading: Bilingual | None = None
    """A section heading printed at the top of this paragraph's row, so the two
    never part at a page break."""
    anchor: str = ""
    """Id of the section heading in this row, for the contents and bookmarks."""
    level: int = 2
    """Level of the heading in this row (2, 3 or 4)."""


@dataclass(frozen=True)
class TocEntry:
    """A section in the contents."""

    anchor: str
    title: Bilingual
    level: int = 2
    """2 for a section, 3 and 4 for sub-sections (indented in the contents)."""


@dataclass(frozen=True)
class LayoutPlan:
    """What a layout computed for one document, rendered with it; each layout
    (`parabook.layouts`) extends it with what its template reads."""

    notes: tuple[str, ...]
    """What the build prints about the layout's choices, e.g. the column split."""
    kept: frozenset[int]
    """Indices in `Document.rows` of short pairs kept whole on one page."""


@dataclass(frozen=True)
class OutputSpec:
    """One kind of PDF built from the same document."""

    name: Literal["print", "email"]
    dpi: int | None
    """Photo resolution at the printed size; None keeps every pixel."""
    bleed_mm: float
    """Bleed around the trim, with crop marks when above 0."""
    pdf_variant: str | None
    """WeasyPrint's PDF variant, e.g. `pdf/ua-1` (tagged)."""
    shrink_fonts: bool
    """Cut CJK fonts down to their used glyphs (`parabook.output.shrink`)."""


@dataclass(frozen=True)
class Document:
    """Everything the template needs to render one booklet in one target language."""

    meta: BookMeta
    target_lang: str
    title: Bilingual
    subtitle: Bilingual | None
    byline: Bilingual
    rows: tuple[Row, ...]
    pending_label: str
    """What the target column shows for an untranslated segment."""
    draft: bool
    """Something is unreviewed or missing: every page says so."""
    toc: tuple[TocEntry, ...] = ()
    date: Bilingual | None = None
    """The date as written in each language, e.g. 2021年12月30日 / 30 December 2021."""
    cover_photo: PhotoView | None = None
    publisher: Bilingual | None = None
    place: Bilingual | None = None
    warnings: tuple[Diagnostic, ...] = field(default=())
    """Problems a person should see, e.g. missing photos."""
