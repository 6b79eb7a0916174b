"""XLIFF 1.2 for reviewers without PO tools (Weblate, Trados, memoQ), and back.

Each active PO entry becomes a `<trans-unit>`: reviewed entries carry
`approved="yes"`; `msgctxt` and the comments travel in a `po-entry` context
group, as translate-toolkit's po2xliff writes them. Reading back never lowers a
reviewed translation: an unapproved edit of reviewed text is reported, not applied;
so is an approved one made on an older text, or whose record of the exported text
(`x-parabook-exported`, dropped by some tools) is gone.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import polib

from parabook.catalog.po import check_book, draft_hash, entry_state, read_catalog, save_catalog
from parabook.errors import InputError, display_path
from parabook.infra.fsutil import read_input, write_atomic
from parabook.infra.lock import po_lock
from parabook.lang.script import CONTROL

NS = "urn:oasis:names:tc:xliff:document:1.2"
XML_NS = "http://www.w3.org/XML/1998/namespace"
PO_NAME = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)\.(?P<lang>[A-Za-z0-9-]+)\.po$")
TARGET_STATES = {"reviewed": "final", "machine": "needs-review-translation",
                 "stale": "needs-review-translation", "unreviewed": "needs-review-translation",
                 "missing": "needs-translation"}


def unit_id(msgctxt: str | None, msgid: str) -> str:
    """Stable across exports: gettext's own key, msgctxt EOT msgid, hashed."""
    key = (f"{msgctxt}\x04" if msgctxt is not None else "") + msgid
    return "u" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def export_xliff(po: Path, output: Path, source_lang: str) -> int:
    """Write the PO's active entries as XLIFF 1.2; return the number of units."""
    if output.suffix.lower() not in (".xlf", ".xliff") or output.resolve() == po.resolve():
        raise InputError(f"{output.name!r} is not an XLIFF file name", path=output,
                         fix="name the output FILE.xlf, e.g. -o review.en.xlf")
    catalog = read_catalog(po)
    lang = catalog.metadata.get("Language", "")
    root = ET.Element(_q("xliff"), {"version": "1.2"})
    file = ET.SubElement(root, _q("file"), {
        "original": po.name, "source-language": source_lang, "target-language": lang,
        "datatype": "po"})
    body = ET.SubElement(file, _q("body"))
    count = 0
    for entry in catalog:
        if entry.obsolete:
            continue
        state = entry_state(entry)
        attrs = {"id": unit_id(entry.msgctxt, entry.msgid), f"{{{XML_NS}}}space": "preserve"}
        if state == "reviewed":
            attrs["approved"] = "yes"
        unit = ET.SubElement(body, _q("trans-unit"), attrs)
        ET.SubElement(unit, _q("source")).text = entry.msgid
        ET.SubElement(unit, _q("target"), {"state": TARGET_STATES[state]}).text = entry.msgstr
        if entry.comment:
            ET.SubElement(unit, _q("note"), {"from": "developer"}).text = entry.comment
        if state == "stale":
            ET.SubElement(unit, _q("note"), {"from": "parabook"}).text = (
                f"The Chinese changed; the translation was made for: {entry.previous_msgid}")
        # The hash of the text as exported: on import, a unit whose PO entry changed
        # since is a conflict, never an overwrite of the newer work.
        contexts = [("x-po-msgctxt", entry.msgctxt), ("x-po-autocomment", entry.comment),
                    ("x-po-trancomment", entry.tcomment),
                    ("x-parabook-exported", draft_hash(entry.msgstr))]
        if any(value for _, value in contexts):
            group = ET.SubElement(unit, _q("context-group"),
                                  {"name": "po-entry", "purpose": "information"})
            for kind, value in contexts:
                if value:
                    ET.SubElement(group, _q("context"), {"context-type": kind}).text = value
        count += 1
    ET.indent(root)
    # The prefix map is process-wide, and WeasyPrint registers its own: claim ours here.
    ET.register_namespace("", NS)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
    try:
        write_atomic(output, data)
    except OSError as exc:
        raise InputError(f"cannot write the file: {exc.strerror}", path=output,
                         fix="give a writable file name ending in .xlf") from None
    return count


@dataclass
class ReviewImport:
    """What reading an XLIFF file back changed in the PO file."""

    po: Path
    approved: int = 0
    """Translations now reviewed."""
    edited: int = 0
    """Unreviewed translations replaced by the file's (still unreviewed) text."""
    kept: list[str] = field(default_factory=list)
    """Reviewed translations left alone because the file's edit was not approved."""
    skipped: list[str] = field(default_factory=list)
    """Units whose source is no longer in the PO file."""
    changed: list[str] = field(default_factory=list)
    """The places of the entries it approved or edited, in the file's order."""
    written: bool = False


def import_review(xlf: Path, translations_dir: Path) -> ReviewImport:
    """Apply a reviewed XLIFF file to the PO file it was exported from."""
    try:
        data = read_input(xlf, "review file")
    except FileNotFoundError:
        raise InputError("file not found", path=xlf, fix="check the file name") from None
    _check_encoding(data, xlf)
    try:
        root = ET.fromstring(data)  # expat: no external entities, no network
    except (ValueError, LookupError) as exc:  # "multi-byte encodings are not supported",
        # or an unknown encoding declared in UTF-16, which `_check_encoding` cannot read
        raise InputError(f"cannot read its XML: {exc}", path=xlf,
                         line=1 if isinstance(exc, LookupError) else None,
                         fix="save it as UTF-8 and import it again") from None
    except ET.ParseError as exc:
        raise InputError(f"not well-formed XML: {exc.msg if hasattr(exc, 'msg') else exc}",
                         path=xlf, line=exc.position[0],
                         fix="export it again from the review tool") from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path=xlf,
                         fix="check the file name") from None
    files = root.findall(_q("file"))
    if root.tag != _q("xliff") or root.get("version") != "1.2" or not files:
        raise InputError("not an XLIFF 1.2 file", path=xlf,
                         fix="export XLIFF 1.2 from the review tool "
                             "(python build.py export SLUG --format xliff makes one)")
    if len(files) > 1:
        raise InputError(f"it holds {len(files)} <file> elements; a review file holds one, "
                         "the translation file it was exported from", path=xlf,
                         line=_line_of(data, "file", 1),
                         fix="import each translation file's review from a file of its own")
    file = files[0]
    name = PO_NAME.match(file.get("original", ""))
    if not name:
        raise InputError(f"the file's original={file.get('original')!r} does not name a "
                         "translation file such as chuzhou-2021.en.po", path=xlf,
                         fix="import a file made by: python build.py export SLUG --format xliff")
    po = translations_dir / name.group(0)
    if not po.exists():
        raise InputError(f"it was exported from {display_path(po)}, which does not exist",
                         path=xlf, fix="run: python build.py update " + name.group("slug"))
    with po_lock(po):  # one writer per PO: update and translate take it too
        catalog = read_catalog(po)
        check_book(catalog, po, name.group("slug"), name.group("lang"))
        if (file.get("target-language") or "") != (catalog.metadata.get("Language") or ""):
            raise InputError(f"its target language {file.get('target-language')!r} is not the "
                             f"PO file's {catalog.metadata.get('Language')!r}", path=xlf,
                             fix="import the file exported for this language")
        report = ReviewImport(po)
        active = [e for e in catalog if not e.obsolete]
        by_id = {unit_id(e.msgctxt, e.msgid): e for e in active}
        by_key = {(e.msgctxt, e.msgid): e for e in active}
        for unit in file.iter(_q("trans-unit")):
            source_node = unit.find(_q("source"))
            source = "".join(source_node.itertext()) if source_node is not None else ""
            target_node = unit.find(_q("target"))
            target = "".join(target_node.itertext()) if target_node is not None else ""
            contexts = {c.get("context-type"): c.text or "" for c in unit.iter(_q("context"))}
            entry = by_id.get(unit.get("id", "")) or by_key.get(
                (contexts.get("x-po-msgctxt"), source))
            # By its place in the book ("opening, paragraph 1"), never by its unit id: the
            # file's own note, else the PO entry's, else the start of its Chinese.
            label = (contexts.get("x-po-autocomment")
                     or (entry.comment.split("; ")[0] if entry is not None and entry.comment
                         else "") or _quoted(source))
            if entry is None or entry.msgid != source:
                report.skipped.append(f"{label}: its source is no longer in {po.name}")
                continue
            if target_node is not None and len(target_node):
                report.skipped.append(f"{label}: its target has inline markup, which a "
                                      "booklet cannot print; write it as plain text")
                continue
            if CONTROL.search(target):
                report.skipped.append(f"{label}: its target has a control character, "
                                      "which cannot be printed; delete it")
                continue
            if not target.strip():
                continue  # an empty target never erases a translation
            target = _newlines_like(entry.msgid, target)
            exported = contexts.get("x-parabook-exported")
            if exported and exported != draft_hash(entry.msgstr) and target != entry.msgstr:
                report.kept.append(f"{label} (PO line {entry.linenum}): the PO changed since "
                                   "this file was exported; kept the PO's text")
                continue
            approved = unit.get("approved") == "yes"
            if approved and not exported and target != entry.msgstr \
                    and entry_state(entry) == "reviewed":
                # Its tool dropped the record of what was exported: the PO's reviewed text
                # may be newer than the review, so nothing shows which one should win.
                report.kept.append(f"{label} (PO line {entry.linenum}): the file lost its "
                                   "export record (x-parabook-exported), so its text may be "
                                   "older than the PO's reviewed text; kept the PO's text")
                continue
            _apply(entry, target, approved, label, report)
        report.written = save_catalog(catalog, po)
        return report


XML_DECLARATION = re.compile(rb"""\s*<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']""")


def _check_encoding(data: bytes, xlf: Path) -> None:
    """The encoding the XML declaration names must exist, and be what the bytes are in:
    UTF-8 read as Latin-1 is garbled Chinese, which matches no source and skips every unit."""
    declared = XML_DECLARATION.match(data)
    if not declared:
        return  # UTF-8 or UTF-16 by XML's own rules, which expat applies
    name = declared.group(1).decode("ascii", "replace")
    fix = 'save it as UTF-8, with encoding="UTF-8" in its first line, and import it again'
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise InputError(f"cannot read its XML: its declaration names an unknown encoding "
                         f"{name!r}",
                         path=xlf, line=1, fix=fix) from None
    if codec.startswith(("utf-8", "utf-16", "utf-32")) or data.isascii():
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return  # really in the encoding it names
    raise InputError(f"cannot read its XML: its declaration says encoding={name!r}, but the "
                     "file is UTF-8 "
                     "(the Chinese would read as garbled text and match nothing)", path=xlf,
                     line=1, fix=fix)


def _line_of(data: bytes, tag: str, index: int) -> int | None:
    """The line of the `index`-th (from 0) XLIFF element `tag` in `data`, well-formed XML."""
    parser = expat.ParserCreate(namespace_separator="}")
    lines: list[int] = []

    def start(name: str, _attributes: object) -> None:
        if name == f"{NS}}}{tag}":
            lines.append(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.Parse(data, True)
    return lines[index] if len(lines) > index else None


def _quoted(source: str) -> str:
    """A unit named by the start of its Chinese, when its place is not in the file."""
    return f"“{source[:12]}…”" if len(source) > 12 else f"“{source}”"


def _newlines_like(msgid: str, target: str) -> str:
    """gettext wants msgstr to start and end with a newline exactly when msgid does."""
    target = target.strip("\n")
    return ("\n" if msgid.startswith("\n") else "") + target + (
        "\n" if msgid.endswith("\n") else "")


def _apply(entry: polib.POEntry, target: str, approved: bool, label: str,
           report: ReviewImport) -> None:
    reviewed = entry_state(entry) == "reviewed"
    if approved:
        if reviewed and entry.msgstr == target:
            return
        entry.msgstr = target
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgctxt = None
        report.approved += 1
        report.changed.append(f"{label}: approved")
    elif entry.msgstr != target:
        if reviewed:
            report.kept.append(f"{label} (PO line {entry.linenum}): kept the reviewed text; "
                               "the file's edit is not approved")
            return
        entry.msgstr = target
        if "fuzzy" not in entry.flags:
            entry.flags.append("fuzzy")
        report.edited += 1
        report.changed.append(f"{label}: edited (still unreviewed)")
