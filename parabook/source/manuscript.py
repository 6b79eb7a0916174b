"""Read a publication folder: `book.yaml` plus `source.zh.md` (CommonMark)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from parabook.errors import InputError, not_utf8
from parabook.infra.fsutil import read_input
from parabook.lang.script import CONTROL, describe_control
from parabook.model import Block, Figure, Heading, Manuscript, Paragraph, Place, Segment
from parabook.source.config import SEGMENT_LIMIT, load_meta
from parabook.source.swap import finish_swap

SOURCE_NAME = "source.zh.md"
FIX_FORMAT = "see the manuscript format in README.md"

# Raw HTML stays literal text: the parser never produces html tokens.
_parser = MarkdownIt("commonmark", {"html": False})


def read_book(books_dir: Path, slug: str) -> Manuscript:
    """Load `books_dir/slug/`, or raise InputError listing the books there are."""
    folder = books_dir / slug
    finish_swap(books_dir, slug)
    # Anything there (a pipe, a dangling link) is this book's: load_meta says what is wrong.
    if not os.path.lexists(folder / "book.yaml"):
        known = sorted(p.name for p in books_dir.glob("*/book.yaml") for p in [p.parent])
        raise InputError(f"no book {slug!r} in {books_dir}", path=folder,
                         fix=(f"use one of: {', '.join(known)}" if known else
                              "import one first: python build.py import FILE.txt --book SLUG"))
    meta = load_meta(folder / "book.yaml", slug)
    source_path = folder / SOURCE_NAME
    try:
        data = read_input(source_path, "manuscript")
    except FileNotFoundError:
        raise InputError(f"{SOURCE_NAME} is missing", path=source_path,
                         fix="write the Chinese text there, or import it") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise not_utf8(source_path, data, exc) from None
    blocks = read_blocks(text, source_path)
    if not blocks:
        raise InputError("the manuscript has no text: the booklet would be only its cover",
                         path=source_path,
                         fix="write the Chinese text there (paragraphs, `## ` headings, "
                             "figures), or import it: python build.py import FILE.txt "
                             f"--book {slug} --force")
    return Manuscript(folder, meta, blocks, source_path)


def refuse_control_characters(text: str, path: Path, fix: str) -> None:
    """Raise InputError at the line of the first control or invisible character, if any."""
    found = CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        what, why = describe_control(found.group())
        raise InputError(f"{what} in the text ({why})", path=path, line=line, fix=fix)


def read_blocks(text: str, path: Path) -> tuple[Block, ...]:
    """Parse the Markdown into headings, paragraphs and figures."""
    text = text.replace("\r\n", "\n")
    refuse_control_characters(text, path, "delete it; if the file came from another program, "
                                          "save it again as plain UTF-8 text")
    tokens = _parser.parse(text)
    blocks: list[Block] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        line = (token.map[0] + 1) if token.map else 0  # block tokens have a map
        if token.type == "heading_open":
            if token.tag not in ("h2", "h3", "h4"):
                raise InputError(f"only `## ` section headings (and `### `, `#### ` "
                                 f"sub-sections) are allowed, not {token.markup}",
                                 path=path, line=line,
                                 fix="the title lives in book.yaml; write sections as `## 标题`")
            heading = _inline_text(tokens[index + 1], path, line)
            if not heading:
                raise InputError("empty heading", path=path, line=line, fix="give it text")
            blocks.append(Heading(heading, line, int(token.tag[1])))
            index += 3
        elif token.type == "paragraph_open":
            block = _paragraph_or_figure(tokens[index + 1], path, line)
            if block is not None:
                blocks.append(block)
            index += 3
        else:
            kind = token.type.removesuffix("_open").replace("_", " ")
            raise InputError(f"unsupported Markdown ({kind})", path=path, line=line,
                             fix="use only `## ` headings, paragraphs and "
                                 "`![caption](photos/NN.jpg)` figures; " + FIX_FORMAT)
    for block in blocks:
        _refuse_too_long(block, path)
    return tuple(blocks)


def _refuse_too_long(block: Block, path: Path) -> None:
    text = block.caption if isinstance(block, Figure) else block.text
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > SEGMENT_LIMIT:
        kind = {Figure: "caption", Heading: "heading"}.get(type(block), "paragraph")
        raise InputError(f"this {kind} is {size:,} bytes, over the limit of "
                         f"{SEGMENT_LIMIT // 1024} KB ({SEGMENT_LIMIT:,} bytes) for one {kind}",
                         path=path,
                         line=block.line, fix=f"split it into {kind}s of at most "
                         f"{SEGMENT_LIMIT // 1024} KB (about 30,000 Chinese characters)")


def _paragraph_or_figure(inline: Token, path: Path, line: int) -> Block | None:
    """The paragraph or figure; None for a line of only spaces CommonMark does not
    count as blank (full-width or no-break spaces): it is a blank line to a person."""
    children = [c for c in inline.children or []
                if not (c.type == "text" and not c.content.strip())]
    images = [c for c in children if c.type == "image"]
    if images:
        if len(children) != 1:
            raise InputError("a figure must stand alone in its paragraph", path=path, line=line,
                             fix="put a blank line before and after `![caption](photos/NN.jpg)`")
        image = images[0]
        caption = _children_text(image.children or [], path, line)
        src = unquote(str(image.attrGet("src") or "")).strip()
        if not src:
            raise InputError("figure without an image file", path=path, line=line,
                             fix="write it as ![caption](photos/NN.jpg)")
        if not caption:
            raise InputError(f"figure {src} has an empty caption", path=path, line=line,
                             fix="write the Chinese caption between the brackets: ![说明](...)")
        options = figure_options(str(image.attrGet("title") or ""), path, line)
        return Figure(caption, src, line, **options)
    text = _inline_text(inline, path, line)
    # Judged on the Markdown as written: an escaped `\![` is text, not a figure.
    raw = inline.content.strip()
    refused = re.fullmatch(r"!\[.*\]\((\S+)\)", raw, flags=re.S)
    if refused:  # markdown-it refuses links such as file: and javascript:
        raise InputError(f"photo path {unquote(refused.group(1))!r} is not a file inside the "
                         "book folder", path=path, line=line,
                         fix="put the photo in photos/ and write ![caption](photos/NN.jpg)")
    if raw.startswith("!["):
        raise InputError("unclosed figure", path=path, line=line,
                         fix="write it exactly as ![caption](photos/NN.jpg)")
    return Paragraph(text, line) if text else None


FIGURE_OPTIONS = ('options go in quotes after the path, e.g. '
                  '![说明](photos/01.jpg "half crop=3:2 focus=50%,30%"): '
                  '`full` or `half` width, `crop=W:H` aspect ratio, '
                  '`focus=X%,Y%` centre of the crop, and last `alt=TEXT`: what the photo '
                  'shows, for screen readers (default: the caption)')


def figure_options(title: str, path: Path, line: int) -> dict:
    """Read a figure's options from its Markdown title: `half crop=3:2 focus=50%,30%`,
    and last `alt=` with the rest of the title as the photo's alt text."""
    options: dict = {}
    title, marker, alt = title.partition("alt=")
    if marker:
        if not alt.strip() or (title and not title[-1].isspace()):
            raise InputError("the figure option alt= needs a text after it, and comes last",
                             path=path, line=line, fix=FIGURE_OPTIONS)
        options["alt"] = " ".join(alt.split())
    for word in title.split():
        crop = re.fullmatch(r"crop=(\d{1,3}):(\d{1,3})", word)
        focus = re.fullmatch(r"focus=(\d{1,3})%,(\d{1,3})%", word)
        if word in ("full", "half"):
            options["width"] = word
        elif crop and int(crop[1]) > 0 and int(crop[2]) > 0:
            options["crop"] = (int(crop[1]), int(crop[2]))
        elif focus and int(focus[1]) <= 100 and int(focus[2]) <= 100:
            options["focus"] = (int(focus[1]) / 100, int(focus[2]) / 100)
        else:
            raise InputError(f"unknown figure option {word!r}", path=path, line=line,
                             fix=FIGURE_OPTIONS)
    return options


def _figure_title(figure: Figure) -> str:
    words: list[str] = [] if figure.width == "full" else [figure.width]
    if figure.crop:
        words.append(f"crop={figure.crop[0]}:{figure.crop[1]}")
    if figure.focus != (0.5, 0.5):
        words.append(f"focus={round(figure.focus[0] * 100)}%,{round(figure.focus[1] * 100)}%")
    if figure.alt:
        words.append("alt=" + figure.alt.replace('"', '\\"'))
    return f' "{" ".join(words)}"' if words else ""


def _inline_text(inline: Token, path: Path, line: int) -> str:
    return _children_text(inline.children or [], path, line)


def _children_text(children: list[Token], path: Path, line: int) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            raise InputError("a figure must stand alone in its paragraph", path=path, line=line,
                             fix="put a blank line before and after it")
        # Emphasis and link markers are dropped: the booklet prints plain text.
    return _join_lines("".join(parts)).strip()


def _join_lines(text: str) -> str:
    """Join wrapped lines: no space between Chinese, one space between Latin words."""
    def repl(match: re.Match) -> str:
        left, right = match.group(1), match.group(2)
        return left + (" " if left.isascii() and right.isascii() else "") + right
    return re.sub(r"(\S)[ \t]*\n[ \t]*(\S)", repl, text)


_ESCAPE = re.compile(r"([\\`*_\[\]<>&#~!|])")
_LINE_START = re.compile(r"^([-+=]|\d+[.)]|\s)")


def md_escape(text: str) -> str:
    """Escape text so CommonMark reads it back verbatim as one paragraph."""
    text = _ESCAPE.sub(r"\\\1", text)
    if _LINE_START.match(text):
        text = "\\" + text if not text[0].isdigit() else re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return text


def write_markdown(blocks: tuple[Block, ...]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {md_escape(block.text)}")
        elif isinstance(block, Figure):
            out.append(f"![{md_escape(block.caption)}]({block.src}{_figure_title(block)})")
        else:
            out.append(md_escape(block.text))
    return "\n\n".join(out) + "\n"


def segments(manuscript: Manuscript) -> list[Segment]:
    """Every translatable unit, in reading order, with its place."""
    meta = manuscript.meta
    out = [Segment("title", meta.title, Place("title"))]
    if meta.subtitle:
        out.append(Segment("subtitle", meta.subtitle, Place("subtitle")))
    out.append(Segment("byline", meta.byline, Place("byline")))
    section, paragraph = 0, 0
    for block in manuscript.blocks:
        if isinstance(block, Heading):
            section, paragraph = section + 1, 0
            out.append(Segment("heading", block.text, Place("heading", section)))
        elif isinstance(block, Figure):
            out.append(Segment("caption", block.caption, Place("caption", photo=block.src)))
        else:
            paragraph += 1
            out.append(Segment("paragraph", block.text, Place("paragraph", section, paragraph)))
    if meta.publisher:
        out.append(Segment("publisher", meta.publisher, Place("publisher")))
    if meta.place:
        out.append(Segment("place", meta.place, Place("place")))
    return out
