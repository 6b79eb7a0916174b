"""Translation files: `translations/<slug>.<lang>.po` (gettext PO, written with polib).

One entry per segment. `msgid` is the Chinese, `msgstr` the translation; the
review state lives where PO tools keep it, so Poedit, Weblate and OmegaT show it:

- reviewed: no `fuzzy` flag and a translation;
- stale: `fuzzy` with the previous source kept as `#| msgid` (the Chinese changed);
- machine: `fuzzy` with a translator comment `machine draft: PROVIDER sha256:HASH`,
  as long as the text still hashes to HASH (an edited draft is a person's work);
- unreviewed: any other `fuzzy` entry;
- missing: no entry, or an empty translation.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import polib
from rapidfuzz import fuzz, process

from parabook.catalog.diff import char_diff
from parabook.errors import InputError, display_path
from parabook.infra.fsutil import clear_tmp, read_input, write_atomic
from parabook.lang import language
from parabook.lang.script import CONTROL
from parabook.model import Place, Segment, Translation, TranslationState

WRAP = 79  # what msgmerge and Poedit wrap at, so a round trip through them stays quiet
FUZZY_CUTOFF = 60  # percent similarity; msgmerge's own threshold is about the same
ENTRY_LIMIT = 100 * 1024
"""Bytes in one msgid, msgstr or run of comment lines: far beyond any segment, and polib's
reading slows down with the square of a string's length (10 MB: minutes)."""
MERGE_NOTE = "another version, saved at the same moment: "
UNREVIEWED_NOTE = "not reviewed before the Chinese changed"
MACHINE_RE = re.compile(r"^machine draft: (\S+?)(?: sha256:([0-9a-f]{16}))?$", re.M)
Key = tuple[str | None, str]


def po_path(translations_dir: Path, slug: str, lang: str) -> Path:
    return translations_dir / f"{slug}.{lang}.po"


def check_po(path: Path, data: bytes, *, ours: bool) -> None:
    """Refuse text gettext's own `msgfmt --check` rejects (polib is more lenient).

    `data` is the file's bytes as read (`ours` False: the translator's to fix), or as we
    are about to write them (`ours` True: a bug, never the translator's fault)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return
    result = subprocess.run([msgfmt, "--check", "-o", "/dev/null", "-"], input=data,
                            capture_output=True, check=False)
    if result.returncode != 0:
        line, problem = _msgfmt_problem(result.stderr.decode("utf-8", "replace"), "<stdin>")
        if ours:
            raise InputError(f"refusing to write an invalid PO file: {problem}", path=path,
                             line=line, fix="report this; the existing file was left as it was")
        raise InputError(f"not a valid PO file: {problem}", path=path, line=line,
                         fix=f"fix that line (msgfmt --check -o /dev/null {display_path(path)} "
                             "shows all)")


def _msgfmt_problem(stderr: str, name: str) -> tuple[int | None, str]:
    """msgfmt's first complaint as (line, problem), without its file name and column.

    msgfmt writes `FILE:LINE:COLUMN: problem` or `msgfmt: FILE: warning: problem`;
    an error is preferred to a warning, which may only be the consequence of one.
    """
    found: list[tuple[int | None, str]] = []
    for raw in stderr.splitlines():
        text = re.sub(r"^\S*msgfmt: ", "", raw.strip())
        if not text or re.fullmatch(r"found \d+ fatal errors?", text):
            continue
        text = text.removeprefix(name + ":").strip()
        where = re.match(r"(\d+):(?:\d+:)?\s*(.*)$", text)
        line, problem = (int(where[1]), where[2]) if where else (None, text)
        found.append((line, problem))
    errors = [f for f in found if not f[1].startswith("warning:")]
    line, problem = (errors or found or [(None, "invalid")])[0]
    return line, problem.removeprefix("warning:").strip()


CHARSET_RE = re.compile(rb'^\s*"Content-Type:[^"\n]*charset=([^"\\\s;]+)', re.M)


class Catalog(polib.POFile):
    """A PO file in memory, with the bytes it was read from or last written as."""

    base: bytes | None = None
    """The file's bytes as this catalog last saw them: `save_catalog` merges whatever
    changed on disk since. None: made in memory (written over what is there); b"": there
    was no file."""


class _Lines(str):
    """A PO file's text, which polib splits as it reads a file (at line ends), not at
    every character Unicode counts as a line break, as `str.splitlines` does."""

    def splitlines(self, keepends: bool = False) -> list[str]:
        return io.StringIO(self, newline=None).readlines()


def read_catalog(path: Path) -> Catalog:
    """Read a PO file gettext accepts, or raise InputError with its line and the fix."""
    try:
        data = read_input(path, "translation file")
    except OSError as exc:
        raise InputError(f"cannot read the translation file: {exc.strerror or exc}", path=path,
                         fix="check that it is a readable file") from None
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError("the file starts with a byte-order mark (BOM), which gettext "
                         "tools refuse", path=path, line=1,
                         fix="save it as UTF-8 without BOM (Poedit does), or run: "
                             f"sed -i '1s/^\\xEF\\xBB\\xBF//' {display_path(path)}")
    if not data.strip():
        raise InputError("the translation file is empty", path=path,
                         fix="restore the translator's copy, or delete the file and run "
                             "`python build.py update` to start a new one")
    _check_charset(data, path)
    _check_sizes(data, path)
    check_po(path, data, ours=False)
    return _parse(data, path)


def _parse(data: bytes, path: Path) -> Catalog:
    """The catalog in `data`, bytes msgfmt accepted; one read of the file, so that what
    is parsed is exactly the base a save merges against."""
    declared = CHARSET_RE.search(data)
    encoding = "utf-8"
    if declared:
        with contextlib.suppress(LookupError):  # unknown: read as UTF-8, as polib does
            encoding = codecs.lookup(declared.group(1).decode("ascii", "replace")).name
    try:
        catalog = polib.pofile(_Lines(data.decode(encoding)), encoding=encoding,
                               wrapwidth=WRAP, klass=Catalog)
    except (OSError, ValueError, LookupError) as exc:
        raise InputError(f"cannot read the translation file: {exc}", path=path,
                         fix=f"check it with: msgfmt --check -o /dev/null {path}") from None
    catalog.base = data
    return catalog


_FIELD_RE = re.compile(rb'\s*(?:#~\s*)?(?:#\|\s*)?'
                       rb'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?|"|#[.:,]?)')


def _check_sizes(data: bytes, path: Path) -> None:
    """Refuse a string (or run of comment lines) over ENTRY_LIMIT, before polib reads it."""
    if len(data) <= ENTRY_LIMIT:
        return
    kind, start, size = b"", 0, 0
    for number, line in enumerate(data.split(b"\n"), 1):
        found = _FIELD_RE.match(line)
        what = found.group(1) if found else b""
        if what == b'"' and kind and not kind.startswith(b"#"):
            size += len(line)  # a continuation of the string above
        elif what and what == kind and kind.startswith(b"#"):
            size += len(line)  # one more line of the same comment
        else:
            kind, start, size = what, number, len(line)
        if size > ENTRY_LIMIT:
            comment = kind.startswith(b"#")
            raise InputError(f"this entry's {'comment' if comment else kind.decode()} is over "
                             f"{ENTRY_LIMIT // 1024} KB, longer than any segment of a booklet "
                             "can be", path=path, line=start,
                             fix="shorten the comment from that line on" if comment else
                             "split the paragraph in the manuscript and in its translation, "
                             "or delete this entry")


def _check_charset(data: bytes, path: Path) -> None:
    """The bytes must be in the charset the header names.

    msgfmt reports a UTF-8 file that is not with a bare "invalid multibyte sequence";
    and a UTF-8 file whose header names another charset passes msgfmt but reads as
    garbled text, so that every Chinese msgid would stop matching.
    """
    declared = CHARSET_RE.search(data)
    if data.isascii() or not declared:
        return  # without a header, msgfmt's own complaint says more
    name = declared.group(1).decode("ascii", "replace")
    try:
        utf8 = codecs.lookup(name).name == "utf-8"
    except LookupError:
        return  # msgfmt judges an unknown charset
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not utf8:
            return  # really in the charset it names: polib decodes it
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError("not UTF-8, although its header says so",
                         path=path, line=line,
                         fix="save it as UTF-8 (Poedit does); if it is GBK, change its "
                             'header line to "Content-Type: text/plain; charset=GB18030\\n"'
                         ) from None
    if utf8:
        return
    line = data.count(b"\n", 0, declared.start()) + 1
    raise InputError(f"the header says charset={name}, but the file is UTF-8 (the Chinese "
                     "would read as garbled text and match nothing)", path=path, line=line,
                     fix='change that line to "Content-Type: text/plain; charset=UTF-8\\n"')


def check_book(catalog: polib.POFile, path: Path, slug: str, lang: str) -> None:
    """Refuse the translation file of another book or language.

    `update` writes the book's folder name as `Project-Id-Version` and the language
    as `Language`; a file mailed back under the wrong name is caught here. Files
    from other tools without these header fields are taken as they are.
    """
    project = (catalog.metadata.get("Project-Id-Version") or "").strip()
    other = project.split()[0] if project else ""
    if other and other not in (slug, "PACKAGE"):
        elsewhere = (f"; otherwise save it as translations/{other}.{lang}.po"
                     if re.fullmatch(r"[a-z0-9][a-z0-9-]*", other) else "")
        raise InputError(f"this is the translation file of another book: its header says "
                         f"Project-Id-Version: {project}", path=path,
                         line=_header_line(path, "Project-Id-Version"),
                         fix=f'if it belongs to {slug}, change that line to '
                             f'"Project-Id-Version: {slug}\\n"{elsewhere}')
    language = (catalog.metadata.get("Language") or "").strip()
    if language and _primary(language) != _primary(lang):
        raise InputError(f"this is a translation into {language!r}, not {lang!r}", path=path,
                         line=_header_line(path, "Language"),
                         fix=f"save it as translations/{slug}.{language.replace('_', '-')}.po "
                             f"(and list that language in book.yaml's target_langs), or, if "
                             f'it is {lang}, change that line to "Language: {lang}\\n"')


def _primary(tag: str) -> str:
    return re.split(r"[-_@.]", tag.strip().lower(), maxsplit=1)[0]


def _header_line(path: Path, field: str) -> int | None:
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError:
        return None
    mark = f'"{field}:'.encode()
    return next((n for n, line in enumerate(lines, 1) if line.lstrip().startswith(mark)), None)


MERGE_TRIES = 5  # saves landing during each of five writes in a row: someone else's loop


def save_catalog(catalog: polib.POFile, path: Path) -> bool:
    """Write atomically after msgfmt accepts the text; return False when nothing changed.

    A reviewer's tool (Poedit) saves without our lock. So right before the rename the file
    is read again: if it changed since `catalog.base`, what changed there is merged into
    `catalog` entry by entry (`merge`) and the result is checked and written instead.
    """
    target = path.resolve()  # through a link: the file it points to
    clear_tmp(target, older_than=60)  # what a write killed before its rename left
    for _attempt in range(MERGE_TRIES):
        catalog.metadata["Content-Type"] = "text/plain; charset=UTF-8"  # we always write UTF-8
        for entry in catalog:
            entry.comment = _safe_comment(entry.comment)
            entry.tcomment = _safe_comment(entry.tcomment)
        data = catalog.__unicode__().encode("utf-8")
        on_disk = _on_disk(target)
        if on_disk == data:
            return False
        base: bytes | None = getattr(catalog, "base", None)
        if base is None or on_disk == base:
            check_po(path, data, ours=True)
            if write_atomic(target, data, None if base is None else partial(_holds, target, base)):
                if isinstance(catalog, Catalog):
                    catalog.base = data
                return True
            on_disk = _on_disk(target)
        if on_disk:
            merge(_parse(base, path) if base else Catalog(), catalog, read_catalog(target))
        catalog.base = on_disk  # deleted meanwhile: ours is all there is
    raise InputError("the file kept changing while it was being saved", path=path,
                     fix="close the other program writing it, then run the command again")


def _holds(path: Path, data: bytes) -> bool:
    return _on_disk(path) == data


def _on_disk(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def merge(base: polib.POFile, ours: polib.POFile, theirs: polib.POFile) -> None:
    """Merge into `ours` what `theirs` changed since `base` (all three of one PO file).

    Per entry: a translation (with its flags and translator comments) only one side
    changed is that side's; an entry one side added, or changed while the other deleted
    it, is kept. Both changed a translation: a person's reviewed text wins over a machine
    draft; otherwise theirs does, and ours, if a person's, stays as a translator comment.
    Where each segment stands (`#.`) is always ours: the writer read the manuscript.
    """
    old, mine, other = _by_key(base), _by_key(ours), _by_key(theirs)
    merged = []
    for key, entry in mine.items():
        if key in other:
            merged.append(_merge_entry(old.get(key), entry, other[key]))
        elif key not in old or _parts(entry) != _parts(old[key]):
            merged.append(entry)  # ours is new, or they deleted what we changed
    for key, entry in other.items():
        if key not in mine and (key not in old or _parts(entry) != _parts(old[key])):
            merged.append(entry)  # theirs is new, or we dropped what they changed
    ours[:] = merged
    for name in set(ours.metadata) | set(theirs.metadata):
        value = _merge_value(base.metadata.get(name), ours.metadata.get(name),
                             theirs.metadata.get(name))
        if value is None:
            ours.metadata.pop(name, None)
        else:
            ours.metadata[name] = value
    ours.header = _merge_value(base.header, ours.header, theirs.header) or ""


def _by_key(catalog: polib.POFile) -> dict[tuple[bool, str | None, str, int], polib.POEntry]:
    """Entries by key; a second entry with the same key (obsolete twins: msgfmt ignores
    obsolete entries) is told apart by its number, so that no entry is merged away."""
    seen: Counter[tuple[bool, str | None, str]] = Counter()
    keyed = {}
    for entry in catalog:
        key = (bool(entry.obsolete), entry.msgctxt, entry.msgid)
        keyed[(*key, seen[key])] = entry
        seen[key] += 1
    return keyed


def _merge_value(base: str | None, ours: str | None, theirs: str | None) -> str | None:
    return ours if theirs == base else theirs


def _translation(entry: polib.POEntry) -> tuple:
    return (entry.msgstr, sorted(entry.msgstr_plural.items()), sorted(entry.flags),
            entry.tcomment or "", entry.previous_msgid, entry.previous_msgctxt,
            entry.msgid_plural)


def _parts(entry: polib.POEntry) -> tuple:
    return _translation(entry), (entry.comment or "", entry.occurrences)


def _merge_entry(base: polib.POEntry | None, ours: polib.POEntry,
                 theirs: polib.POEntry) -> polib.POEntry:
    mine, other = _translation(ours), _translation(theirs)
    old = _translation(base) if base is not None else None
    if other in (old, mine) or (mine != old and entry_state(ours) == "reviewed"
                                and entry_state(theirs) == "machine"):
        return ours
    if mine != old and entry_state(ours) not in ("machine", "missing") \
            and ours.msgstr != theirs.msgstr:  # both changed it: theirs, ours kept beside
        note = MERGE_NOTE + ours.msgstr
        if note not in (theirs.tcomment or "").split("\n"):
            theirs.tcomment = f"{theirs.tcomment}\n{note}" if theirs.tcomment else note
    # Their translation in our place: where a segment stands is `update`'s to say.
    theirs.comment, theirs.occurrences = ours.comment, ours.occurrences
    return theirs


def _safe_comment(text: str | None) -> str | None:
    """gettext joins a line ending in a backslash to the next one, even in a comment,
    which would swallow the `msgid` below it: a space after the backslash stops that
    (polib strips it again on reading, so the comment reads back as it was)."""
    if not text:
        return text
    return "\n".join(line + " " if line.endswith("\\") else line for line in text.split("\n"))


def draft_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def machine_comment(provider: str, text: str) -> str:
    return f"machine draft: {provider} sha256:{draft_hash(text)}"


def machine_provider(entry: polib.POEntry) -> str | None:
    """The provider of an untouched machine draft; None once a person edited it."""
    match = MACHINE_RE.search(entry.tcomment or "")
    if not match:
        return None
    provider, recorded = match.groups()
    # Without the hash nobody can tell a draft from a person's text: count it as theirs.
    return provider if recorded is not None and recorded == draft_hash(entry.msgstr) else None


def entry_state(entry: polib.POEntry | None) -> TranslationState:
    if entry is None or not has_translation(entry):
        return "missing"
    if not entry.fuzzy:
        return "reviewed"
    if entry.previous_msgid is not None:
        return "stale"
    return "machine" if machine_provider(entry) else "unreviewed"


def keys(segments: list[Segment]) -> list[Key]:
    """The (msgctxt, msgid) of each segment: a context only where the same
    Chinese plays two roles (a heading that is also a caption), as gettext needs."""
    kinds: dict[str, set[str]] = {}
    for segment in segments:
        kinds.setdefault(segment.text, set()).add(segment.kind)
    return [(s.kind if len(kinds[s.text]) > 1 else None, s.text) for s in segments]


def entry_finder(catalog: polib.POFile):
    """`find_entry` for many keys: one pass over the catalog instead of one per key."""
    exact: dict[Key, polib.POEntry] = {}
    loose: dict[str, polib.POEntry] = {}
    for entry in catalog:
        if not entry.obsolete:
            exact.setdefault((entry.msgctxt, entry.msgid), entry)
            loose.setdefault(entry.msgid, entry)
    return lambda key: exact.get(key) or loose.get(key[1])


def find_entry(catalog: polib.POFile, key: Key) -> polib.POEntry | None:
    """The active entry for `key`, falling back to the same source in another context."""
    ctxt, msgid = key
    loose = None
    for entry in catalog:
        if entry.obsolete or entry.msgid != msgid:
            continue
        if entry.msgctxt == ctxt:
            return entry
        loose = loose or entry
    return loose


def load_translations(translations_dir: Path, slug: str, lang: str,
                      segments: list[Segment]) -> dict[Segment, Translation]:
    """Map each segment to its translation and review state.

    Entries match on source text, as gettext does, so reordering paragraphs loses nothing.
    """
    path = po_path(translations_dir, slug, lang)
    if not path.exists():
        return {segment: Translation(None, "missing", None) for segment in segments}
    catalog = read_catalog(path)
    check_book(catalog, path, slug, lang)
    out = {}
    find = entry_finder(catalog)
    for segment, key in zip(segments, keys(segments), strict=True):
        entry = find(key)
        if entry is not None and entry.msgid_plural:
            raise InputError("this entry has plural forms (msgid_plural), which a segment of "
                             "the booklet cannot have", path=path, line=entry.linenum,
                             fix="delete the msgid_plural line and write the translation as "
                                 "a single msgstr")
        state = entry_state(entry)
        text = entry.msgstr if entry is not None and state != "missing" else None
        found = CONTROL.search(text) if text else None
        if found:
            raise InputError(f"control character U+{ord(found.group()):04X} in the "
                             "translation (invisible, and not printable)", path=path,
                             line=entry.linenum, fix="delete it in Poedit or a text editor")
        out[segment] = Translation(text, state, entry.linenum if entry else None)
    return out


@dataclass(frozen=True)
class UpdateReport:
    """What `update` did to one PO file."""

    path: Path
    created: bool
    added: int
    """New segments, added as empty entries."""
    suggested: int
    """Edited segments that got their old translation as a fuzzy suggestion."""
    obsoleted: int
    """Translations whose source left the manuscript, kept as `#~` entries."""
    revived: int
    """Obsolete translations whose source came back."""
    written: bool
    """False when the file already matched the manuscript (or `save` was off)."""
    catalog: polib.POFile | None = field(default=None, compare=False, repr=False)
    """The merged catalog, as written (or as it would be)."""
    changes: tuple[str, ...] = ()
    """Each entry it changed, by place: `section 2, paragraph 1: …马路[+上]！…`."""


def has_translation(entry: polib.POEntry) -> bool:
    return bool(entry.msgstr.strip() or any(v.strip() for v in entry.msgstr_plural.values()))


def _role(entry: polib.POEntry) -> str:
    """The kind of segment an entry was made for: its context, or the place `update`
    described in its extracted comment (the first, when it stands in several)."""
    if entry.msgctxt:
        return entry.msgctxt
    place = Place.parse((entry.comment or "").split("; ")[0])
    return place.kind if place else "paragraph"


def _fold(into: polib.POEntry, other: polib.POEntry) -> None:
    """Merge a duplicate entry: its translation survives as a translator comment."""
    if other.msgstr.strip() and other.msgstr != into.msgstr:
        note = f"earlier translation: {other.msgstr}"
        into.tcomment = f"{into.tcomment}\n{note}" if into.tcomment else note


def _unreviewed(entry: polib.POEntry) -> bool:
    """Whether the translation was not reviewed (when it was, before the Chinese changed),
    a machine draft aside: its own comment says what it is."""
    if not entry.fuzzy:
        return False
    if entry.previous_msgid is not None:
        return UNREVIEWED_NOTE in (entry.tcomment or "").split("\n")
    return machine_provider(entry) is None


def _noted(tcomment: str | None, unreviewed: bool) -> str:
    """A translator comment with UNREVIEWED_NOTE as its last line, or without it."""
    lines = [line for line in (tcomment or "").split("\n") if line != UNREVIEWED_NOTE]
    return "\n".join((lines if lines != [""] else []) + [UNREVIEWED_NOTE] * unreviewed)


def new_catalog(slug: str, lang: str) -> Catalog:
    catalog = Catalog(wrapwidth=WRAP)
    catalog.header = (f"{slug}: Chinese source with its {lang} translation.\n"
                      "A translation counts as reviewed when it has no fuzzy flag.\n"
                      f"Keep in step with the manuscript: python build.py update {slug} "
                      f"--lang {lang}")
    catalog.metadata = {
        "Project-Id-Version": slug,
        "PO-Revision-Date": "",
        "Last-Translator": "",
        "Language-Team": "",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    if language(lang).plural_forms:
        catalog.metadata["Plural-Forms"] = language(lang).plural_forms
    return catalog


def update_catalog(path: Path, segments: list[Segment], slug: str, lang: str, *,
                   save: bool = True) -> UpdateReport:
    """Bring the PO file in step with the manuscript, as `msgmerge --previous` would.

    Exact source matches keep everything. An edited segment gets the closest old
    translation as a fuzzy suggestion with `#| msgid`. Translations whose source
    is gone become obsolete entries. Nothing translated is ever dropped.
    """
    created = not path.exists()
    old = new_catalog(slug, lang) if created else read_catalog(path)
    if not created:
        check_book(old, path, slug, lang)
    catalog = new_catalog(slug, lang)
    catalog.metadata = dict(old.metadata) or catalog.metadata
    catalog.header = old.header
    catalog.base = b"" if created else old.base  # what a save merges a reviewer's edit into

    active = [e for e in old if not e.obsolete]
    obsolete = [e for e in old if e.obsolete]
    pool = active + obsolete  # active first: an obsolete twin is only a fallback
    used: set[int] = set()
    added = suggested = revived = 0
    segment_keys = list(zip(keys(segments), segments, strict=True))
    first: dict[Key, Segment] = {}  # gettext has one entry per (msgctxt, msgid)
    for key, segment in segment_keys:
        first.setdefault(key, segment)
    unique = list(first.items())
    found: dict[Key, polib.POEntry] = {}
    changes: list[str] = []

    def take(key: Key, entries: list[polib.POEntry], test) -> None:
        for entry in entries:
            if id(entry) not in used and entry.msgid == key[1] and test(entry):
                used.add(id(entry))
                found[key] = entry
                return

    # Pass by pass over the whole file, so a moved paragraph never loses its entry
    # to a neighbour: the same source in the same context, then in the same role;
    # current entries before obsolete ones.
    for entries in (active, obsolete):
        for key, _segment in unique:
            if key not in found:
                take(key, entries, lambda e, key=key: e.msgctxt == key[0])
        for key, segment in unique:
            if key not in found:
                take(key, entries, lambda e, kind=segment.kind: _role(e) == kind)
    revived = sum(1 for e in found.values() if e.obsolete)

    placed: list[tuple[Key, Segment, polib.POEntry]] = []
    leftovers = [e for e in pool if id(e) not in used and has_translation(e)]
    for key, segment in unique:
        entry = found.get(key)
        if entry is not None:
            entry.obsolete = False
            entry.msgctxt = key[0]
            placed.append((key, segment, entry))
            continue
        entry = polib.POEntry(msgctxt=key[0], msgid=key[1], msgstr="")
        undone = next((e for e in leftovers if id(e) not in used and e.fuzzy
                       and (e.previous_msgctxt, e.previous_msgid) == key), None)
        if undone is not None:  # an edit undone: the text is again what it translates
            used.add(id(undone))
            was_fuzzy = _unreviewed(undone) or machine_provider(undone) is not None
            entry.msgstr = undone.msgstr
            entry.tcomment = _noted(undone.tcomment, False)
            entry.flags = [f for f in undone.flags if f != "fuzzy"] + ["fuzzy"] * was_fuzzy
            revived += 1
            placed.append((key, segment, entry))
            continue
        # The same Chinese in another role (a heading that is now also a caption)
        # lends its text as a suggestion; otherwise the closest edited source does.
        twin = next((e for e in pool if e.msgid == key[1] and e.msgstr.strip()), None)
        candidates = [e.msgid for e in leftovers]
        match = process.extractOne(key[1], candidates, scorer=fuzz.ratio,
                                   score_cutoff=FUZZY_CUTOFF) if candidates else None
        source = twin or (leftovers[match[2]] if match else None)
        if source is not None:
            used.add(id(source))
            entry.msgstr = source.msgstr
            # Should the edit be undone, its state comes back: say if it was not reviewed.
            entry.tcomment = _noted(source.tcomment, _unreviewed(source))
            entry.flags = ["fuzzy"]
            entry.previous_msgctxt = source.msgctxt
            entry.previous_msgid = source.previous_msgid or source.msgid
            suggested += 1
            changes.append(f"{segment.where}: the Chinese changed, its translation is now "
                           f"fuzzy: {char_diff(entry.previous_msgid, key[1])}")
        else:
            added += 1
            changes.append(f"{segment.where}: new, to translate")
        placed.append((key, segment, entry))

    places: dict[Key, list[str]] = {}
    for key, segment in segment_keys:
        places.setdefault(key, []).append(segment.where)
    for key, _segment, entry in placed:
        entry.comment = "; ".join(places[key])
        catalog.append(entry)
    # Obsolete entries stay, even when they lent a suggestion; a translation
    # whose source left the manuscript joins them unless an edit took it over.
    newly_obsolete = [e for e in active if id(e) not in used and has_translation(e)]
    kept: dict[Key, polib.POEntry] = {(e.msgctxt, e.msgid): e for e in catalog}
    placed_ids = {id(e) for _, _, e in placed}
    for entry in [e for e in obsolete if id(e) not in placed_ids] + newly_obsolete:
        entry.obsolete = True
        # polib cannot read `#~|` back, so an obsolete entry keeps no previous source.
        entry.previous_msgid = entry.previous_msgctxt = None
        key = (entry.msgctxt, entry.msgid)
        if key in kept:  # gettext allows one entry per source: fold, keep every text
            _fold(kept[key], entry)
        else:
            kept[key] = entry
            catalog.append(entry)
    changes += [f"no longer in the manuscript, kept as obsolete: “{e.msgid[:16]}…”"
                for e in newly_obsolete]
    written = save_catalog(catalog, path) if save else False
    return UpdateReport(path, created, added, suggested, len(newly_obsolete), revived, written,
                        catalog, tuple(changes))
