"""Read and validate `book.yaml`, reporting every problem with its line."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from parabook.catalog.qa import SWITCHABLE
from parabook.diagnostics import Diagnostics
from parabook.errors import InputError, not_utf8
from parabook.infra.fsutil import read_input
from parabook.lang.script import CONTROL, describe_control
from parabook.layouts import LAYOUTS
from parabook.model import BookMeta
from parabook.typeset.geometry import PAGES

PAGE_SIZES = tuple(PAGES)
LANG_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
SEGMENT_LIMIT = 100 * 1024
"""UTF-8 bytes of one segment (a paragraph, heading, caption or book.yaml text): ten
times a very long paragraph. Layout time grows faster than the length: 900 KB took 72 s."""


@dataclass(frozen=True)
class Option:
    """One key of `book.yaml`: its type, default and meaning (shown in errors)."""

    kind: type | tuple[type, ...]
    default: Any
    help: str


# The one table of options; README's format section mirrors it.
OPTIONS: dict[str, Option] = {
    "title": Option(str, None, "title in the source language"),
    "subtitle": Option(str, "", "subtitle in the source language"),
    "byline": Option(str, None, "author(s) as printed under the title"),
    "date": Option(str, "", "publication date, e.g. 2021 or 2021-12-30 (quote it)"),
    "source_lang": Option(str, "zh-CN", "language tag of source.zh.md, e.g. zh-CN or "
                                        "zh-TW (Traditional)"),
    "target_langs": Option(list, ["en"], "list of translation languages, e.g. [en]"),
    "page_size": Option(str, "A5", f"one of {', '.join(PAGE_SIZES)}"),
    "layout": Option(str, "parallel",
                     "parallel (side by side), stacked (each Chinese paragraph above "
                     "its translation, for narrow pages and phones) or facing (the Chinese on "
                     "left-hand pages, the translation on right-hand ones, spread by spread)"),
    # The names come from parabook.layouts.LAYOUTS; the help says what each does.
    "source_share": Option((int, float, str), "auto",
                           "share of the text width for the Chinese column, 0.25-0.75, "
                           "or auto (from the measured lengths of the two texts)"),
    "cover_photo": Option(str, "", "a photo inside the book folder for the cover, "
                                   "e.g. photos/cover.jpg"),
    "publisher": Option(str, "", "who publishes the booklet, in the source language"),
    "place": Option(str, "", "where it is published, in the source language"),
    "translation_note": Option(str, "", "printed in the colophon, e.g. "
                                        "English translation reviewed by ..."),
    # Written by the importer from the article's editorial lines (来源, 责任编辑); not printed.
    "source": Option(str, "", "where the article first appeared (its 来源 line)"),
    "editor": Option(str, "", "the article's editor (its 责任编辑 line)"),
    "editor_note": Option(str, "", "printed in the colophon in the source language: the "
                                   "editor's corrections to the original text, each one"),
    "skip_checks": Option(list, [], "QA checks to turn off for this book, e.g. "
                                    "[style.straight-quotes, style.spelling]"),
    "translation_align": Option(str, "auto",
                                "justify, ragged (ragged-right, hyphenated) or auto "
                                "(ragged in the narrow parallel columns, else justified)"),
    # Composition and the print file (issue 15).
    "pdfx": Option(bool, False, "true: the print PDF is PDF/X-4, with a CMYK output intent"),
    "blank_pages": Option(str, "notes", "notes (the pages added to reach a multiple of 4 "
                                        "say Notes / 笔记) or blank"),
    "cover_focus": Option(str, "50%,50%", "the part of the cover photo kept when it is cut "
                                          "to fit the cover, X%,Y% (50%,30%: upper middle)"),
    "cover_alt": Option(str, "", "what the cover photo shows, for screen readers; "
                                 "default: the title"),
    "short_title": Option((str, dict), "", "the running heads' text instead of the section "
                                           "titles: a short title in the source language, "
                                           "or one per language, e.g. {zh-CN: 躬身力行, "
                                           "en: Staying True}"),
}
REQUIRED = ("title", "byline")
SHORT_TITLE_MAX = 60


def load_meta(path: Path, slug: str) -> BookMeta:
    """Parse `path`; raise one InputError naming every bad key with its line."""
    try:
        data = read_input(path, "book.yaml", limit=1024 * 1024)
    except FileNotFoundError:
        raise InputError("book.yaml is missing", path=path,
                         fix="create it with at least title and byline") from None
    try:
        # Universal newlines, as read_text would: a lone CR ends a line too.
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, data, exc) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', exc)}", path=path,
                         line=mark.line + 1 if mark else None,
                         fix="check the indentation and quoting on that line") from None
    if root is None:
        raise InputError("book.yaml is empty", path=path,
                         fix="give at least title and byline")
    if not isinstance(root, yaml.MappingNode):
        raise InputError("book.yaml must be a mapping of key: value", path=path,
                         line=root.start_mark.line + 1, fix="write one `key: value` per line")

    found = Diagnostics()
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        value_line = value_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            found.error("config.bad-key", "a key must be a plain word", path=path, line=line,
                        fix="write one `key: value` per line")
            continue
        key = key_node.value
        if key not in OPTIONS:
            found.error("config.unknown-key", f"unknown key {key!r}", path=path, line=line,
                        fix=f"remove it or use one of: {', '.join(OPTIONS)}")
            continue
        if key in lines:
            found.error("config.duplicate-key", f"key {key!r} is given twice", path=path,
                        line=line, fix="keep only one")
            continue
        lines[key] = value_line
        try:
            value = yaml.safe_load(yaml.serialize(value_node))
        except ValueError:  # a timestamp PyYAML cannot make a date of, e.g. 2021-02-30
            shown = f" ({value_node.value})" if isinstance(value_node, yaml.ScalarNode) else ""
            found.error("config.bad-value", f"{key!r} has a value YAML reads as a date{shown}, "
                        "but there is no such day", path=path, line=value_line,
                        fix=f"correct the date, or quote the value; {_help(key)}")
            continue
        except yaml.YAMLError as exc:
            found.error("config.unsafe-value", f"{key!r} has a value YAML cannot read safely: "
                        f"{getattr(exc, 'problem', exc)}", path=path, line=value_line,
                        fix=f"{key} is {OPTIONS[key].help}")
            continue
        option = OPTIONS[key]
        if key == "date" and isinstance(value, int | datetime.date) and \
                not isinstance(value, bool):
            value = str(value)  # YAML reads 2021 as int and 2021-12-30 as a date
        if (isinstance(value, bool) and option.kind is not bool) or \
                not isinstance(value, option.kind):
            found.error("config.wrong-type", f"{key!r} has the wrong type "
                        f"({type(value).__name__})", path=path, line=value_line,
                        fix=f"{key} is {option.help}")
            continue
        problem = _check_value(key, value)
        if problem:
            found.error("config.bad-value", problem[0], path=path, line=value_line,
                        fix=problem[1])
            continue
        values[key] = value

    for key in REQUIRED:
        if key not in lines and not str(values.get(key) or "").strip():
            found.error("config.missing-key", f"{key!r} is missing or empty", path=path,
                        fix=f"add `{key}: ...` ({OPTIONS[key].help})")
        elif key in values and not str(values[key]).strip():
            found.error("config.missing-key", f"{key!r} is missing or empty", path=path,
                        line=lines[key], fix=f"{key} is {OPTIONS[key].help}")
    found.raise_errors()
    merged = {key: values.get(key, option.default) for key, option in OPTIONS.items()}
    return BookMeta(
        slug=slug,
        title=merged["title"].strip(),
        subtitle=merged["subtitle"].strip(),
        byline=merged["byline"].strip(),
        date=merged["date"].strip(),
        source_lang=merged["source_lang"],
        target_langs=tuple(merged["target_langs"]),
        page_size=merged["page_size"],
        layout=merged["layout"],
        source_share=(None if merged["source_share"] == "auto"
                      else float(merged["source_share"])),
        cover_photo=merged["cover_photo"].strip(),
        publisher=merged["publisher"].strip(),
        place=merged["place"].strip(),
        translation_note=merged["translation_note"].strip(),
        editor_note=merged["editor_note"].strip(),
        skip_checks=tuple(merged["skip_checks"]),
        translation_align=merged["translation_align"],
        cover_photo_line=lines.get("cover_photo"),
        pdfx=merged["pdfx"],
        blank_pages=merged["blank_pages"],
        cover_alt=merged["cover_alt"].strip(),
        cover_focus=_focus(merged["cover_focus"]) or (0.5, 0.5),
        short_title=_short_titles(merged["short_title"], merged["source_lang"]),
    )


def _short_titles(value: str | dict, source_lang: str) -> tuple[tuple[str, str], ...]:
    """book.yaml's short_title as (language tag, text) pairs: a text alone is the source
    language's."""
    if isinstance(value, str):
        return ((source_lang, value.strip()),) if value.strip() else ()
    return tuple((tag, text.strip()) for tag, text in value.items())


def _focus(text: str) -> tuple[float, float] | None:
    """`50%,30%` -> (0.5, 0.3); None when it is not two percentages up to 100."""
    found = re.fullmatch(r"\s*(\d{1,3})%\s*,\s*(\d{1,3})%\s*", text)
    if not found or int(found[1]) > 100 or int(found[2]) > 100:
        return None
    return int(found[1]) / 100, int(found[2]) / 100


def _check_value(key: str, value: Any) -> tuple[str, str] | None:
    """What is wrong with a value of the right type, and the fix; None when it is fine."""
    texts = [value] if isinstance(value, str) else (
        [v for v in value if isinstance(v, str)] if isinstance(value, list) else
        [v for v in value.values() if isinstance(v, str)] if isinstance(value, dict) else [])
    if any(len(text.encode("utf-8", "surrogatepass")) > SEGMENT_LIMIT for text in texts):
        return (f"{key!r} is over {SEGMENT_LIMIT // 1024} KB, too long to lay out",
                "shorten it; the text of the booklet goes in source.zh.md")
    control = next((m for m in map(CONTROL.search, texts) if m), None)
    if control:
        what, why = describe_control(control.group())
        return (f"{key!r} holds {what} ({why})",
                "delete it (in quotes, YAML reads \\0, \\x01 or \\u202e as one)")
    if key == "page_size" and value not in PAGE_SIZES:
        return f"page_size {value!r} is not supported", _help(key)
    if key == "translation_align" and value not in ("auto", "justify", "ragged"):
        return f"translation_align {value!r} is not supported", _help(key)
    if key == "cover_focus" and _focus(value) is None:
        return f"cover_focus {value!r} is not X%,Y%", _help(key)
    if key == "blank_pages" and value not in ("notes", "blank"):
        return f"blank_pages {value!r} is neither notes nor blank", _help(key)
    if key == "short_title" and isinstance(value, dict) and not all(
            isinstance(tag, str) and LANG_TAG.fullmatch(tag) and isinstance(text, str)
            and text.strip() for tag, text in value.items()):
        return "short_title: each key must be a language tag and each value a text", _help(key)
    if key == "short_title" and any(len(text) > SHORT_TITLE_MAX for text in texts):
        return (f"short_title is longer than {SHORT_TITLE_MAX} characters: a running head "
                "is one line", _help(key))
    if key == "layout" and value not in LAYOUTS:
        return f"layout {value!r} is not supported", _help(key)
    if key == "source_share" and isinstance(value, str) and value != "auto":
        return f"source_share {value!r} is neither a number nor auto", _help(key)
    if key == "source_share" and not isinstance(value, str) and not 0.25 <= value <= 0.75:
        return f"source_share {value} is outside 0.25-0.75", _help(key)
    if key == "skip_checks":
        unknown = [v for v in value if v not in SWITCHABLE]
        if unknown:
            return (f"skip_checks: unknown check {', '.join(map(str, unknown))}",
                    f"choose from {', '.join(SWITCHABLE)}")
    if key == "target_langs" and (not value or not all(
            isinstance(v, str) and LANG_TAG.fullmatch(v) for v in value)):
        return "target_langs must be a non-empty list of language tags", _help(key)
    if key == "date" and not _real_date(value):
        return f"date {value!r} is not a date of the calendar", _help(key)
    if key == "source_lang" and not LANG_TAG.fullmatch(value):
        return f"source_lang {value!r} is not a language tag", _help(key)
    if key == "cover_photo" and value.strip() and (
            value.strip().startswith(("/", "\\")) or ":" in value
            or ".." in re.split(r"[/\\]", value)):
        # Checked again where the folder is known (pairing), for symlinks leading out.
        return f"cover_photo {value.strip()!r} is not a file inside the book folder", _help(key)
    return None


def _help(key: str) -> str:
    return f"{key} is {OPTIONS[key].help}"


def _real_date(value: str) -> bool:
    """A date written as YYYY-MM(-DD) must exist; anything else is printed as written."""
    parts = re.fullmatch(r"\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*", value)
    if not parts:
        return True
    try:
        datetime.date(int(parts[1]), int(parts[2]), int(parts[3] or 1))
    except ValueError:
        return False
    return True


def dump_meta(meta: dict[str, Any]) -> str:
    """Render a `book.yaml` text with keys in the documented order."""
    ordered = {key: meta[key] for key in OPTIONS if key in meta}
    return yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=1000)
