"""Bad input gets a clear error and loses nothing; unusual books build; Ctrl-C and
failed writes leave the previous files as they were.

Every case runs the real command line on a copy of the sample project. An error
names the file (and the line where there is one), the problem and the fix, exits
with 2, and leaves `dist/` and the translation file exactly as they were. The
sandbox cases (remote and local references) are in `test_pdf_sandbox.py`.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polib
import pytest
from PIL import Image

from parabook import service
from parabook.catalog import waivers
from parabook.catalog.po import read_catalog, save_catalog
from parabook.project import Project

from . import pdftools
from .conftest import REPO, SAMPLE
from .test_photos import bad_photos

PREVIOUS = b"%PDF-1.7\n% the previous good build, which a failed build must not touch\n"
SMALL = "第一段，讲述城北新区的变化。\n\n## 党建引领\n\n第二段：居民竖起了大拇指。\n"


@pytest.fixture(autouse=True)
def inside(request, monkeypatch):
    """Run in the project, as a person would: messages show paths relative to it. That
    is the tiny book's for the tests that build it, else a copy of the sample's."""
    tiny = "tiny_project" in request.fixturenames
    monkeypatch.chdir(request.getfixturevalue("tiny_project" if tiny else "project"))


def book(project: Path) -> Path:
    return project / "book" / SAMPLE


def po_file(project: Path) -> Path:
    return project / "translations" / f"{SAMPLE}.en.po"


def dist_pdf(project: Path) -> Path:
    return project / "dist" / f"{SAMPLE}.email.pdf"


def translate_everything(project: Path, cli) -> dict[str, str]:
    """`update`, then a reviewed English text for every entry; return msgid -> msgstr."""
    code, out, err = cli(project, "update", SAMPLE)
    assert code == 0, err
    catalog = read_catalog(po_file(project))
    active = [e for e in catalog if not e.obsolete]
    for number, entry in enumerate(active):
        entry.msgstr, entry.flags = f"Reviewed English number {number}.", []
    save_catalog(catalog, po_file(project))
    # Placeholder English misses the glossary and the numbers: a reviewer accepts that.
    catalog = read_catalog(po_file(project))
    for finding in service.check(Project(project), SAMPLE, "en").findings:
        entry = catalog.find(finding.segment.text)
        entry.tcomment = waivers.add(entry.tcomment, finding.check, entry.msgid, entry.msgstr,
                                     "placeholder text of a test")
    save_catalog(catalog, po_file(project))
    return {e.msgid: e.msgstr for e in active}


def refused(project: Path, cli, *args: str, code: int = 2) -> str:
    """Run a command that must fail; check nothing was written; return its message."""
    dist_pdf(project).parent.mkdir(exist_ok=True)
    dist_pdf(project).write_bytes(PREVIOUS)
    po = po_file(project)
    po_before = po.read_bytes() if po.exists() else None
    result, out, err = cli(project, *args)
    assert result == code, out + err
    assert err.startswith("error: ") and "\n  fix: " in err and "Traceback" not in err, err
    assert dist_pdf(project).read_bytes() == PREVIOUS
    assert [p.name for p in dist_pdf(project).parent.iterdir()] == [dist_pdf(project).name]
    assert (po.read_bytes() if po.exists() else None) == po_before
    return err


# ---------------------------------------------------------------- malformed files

def _yaml(project: Path, extra: str = "", text: str | None = None) -> None:
    path = book(project) / "book.yaml"
    path.write_text(text if text is not None else path.read_text(encoding="utf-8") + extra,
                    encoding="utf-8")


def _po(project: Path, edit) -> None:
    po_file(project).write_bytes(edit(po_file(project).read_bytes()))


def _source(project: Path, text: str | bytes) -> None:
    path = book(project) / "source.zh.md"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


BAD_INPUT = {
    "book.yaml malformed": (
        lambda p: _yaml(p, text="title: [不完整\nbyline: 作者\n"),
        r"book\.yaml:2: not valid YAML: .*\n  fix: check the indentation and quoting"),
    "book.yaml unknown key": (
        lambda p: _yaml(p, "colour: red\n"),
        r"book\.yaml:14: unknown key 'colour'\n  fix: remove it or use one of: title,"),
    "book.yaml wrong type": (
        lambda p: _yaml(p, "source_share: [0.4]\n"),
        r"book\.yaml:14: 'source_share' has the wrong type \(list\)\n  fix: source_share is "),
    "book.yaml not UTF-8": (
        lambda p: (book(p) / "book.yaml").write_bytes(
            (book(p) / "book.yaml").read_text(encoding="utf-8").encode("gb18030")),
        r"book\.yaml:1: not UTF-8 \(byte 0x\w\w cannot be decoded\)\n  fix: save the file as "
        r"UTF-8 \(it looks like GBK/GB18030; convert it with: iconv -f GB18030 -t UTF-8 "
        r"book/chuzhou-2021/book\.yaml > converted, then put converted in its place\)"),
    "book.yaml bad source_lang": (
        lambda p: _yaml(p, text=(book(p) / "book.yaml").read_text(encoding="utf-8")
                        .replace("source_lang: zh-CN", "source_lang: ../../x")),
        r"book\.yaml:5: source_lang '\.\./\.\./x' is not a language tag"),
    "book.yaml unquoted date that is no day": (
        lambda p: _yaml(p, text=(book(p) / "book.yaml").read_text(encoding="utf-8")
                        .replace("date: '2021'", "date: 2021-02-30")),
        r"book\.yaml:4: 'date' has a value YAML reads as a date \(2021-02-30\), but there is "
        r"no such day\n  fix: correct the date, or quote the value"),
    "book.yaml is a pipe": (
        lambda p: ((book(p) / "book.yaml").unlink(), os.mkfifo(book(p) / "book.yaml")),
        r"book/chuzhou-2021/book\.yaml: the book\.yaml is not a regular file \(a folder, pipe "
        r"or device\)\n  fix: put the file itself there"),
    "translation with a bidi override": (
        lambda p: _po(p, lambda d: d.replace(b'msgstr "Liu Jinxin"',
                                             'msgstr "Liu\u202eJinxin"'.encode())),
        r"chuzhou-2021\.en\.po:\d+: .*U\+202E in the translation"),
    "PO malformed (msgfmt rejects it)": (
        lambda p: _po(p, lambda d: d + b'\nmsgid "x"\nmsgstr "unterminated\n'),
        r"chuzhou-2021\.en\.po:\d+: not a valid PO file: end-of-line within string\n"
        r"  fix: fix that line \(msgfmt --check -o /dev/null .*chuzhou-2021\.en\.po shows all\)"),
    "PO binary garbage": (
        lambda p: _po(p, lambda d: b"\x00\xff\xfe\x01garbage\n"),
        r"chuzhou-2021\.en\.po:1: not a valid PO file: syntax error"),
    "PO empty": (
        lambda p: _po(p, lambda d: b""),
        r"chuzhou-2021\.en\.po: the translation file is empty\n  fix: restore the "
        r"translator's copy, or delete the file and run `python build.py update`"),
    "PO for another book": (
        lambda p: _po(p, lambda d: d.replace(b"Project-Id-Version: chuzhou-2021",
                                             b"Project-Id-Version: hefei-2022")),
        r"chuzhou-2021\.en\.po:6: this is the translation file of another book: its header "
        r"says Project-Id-Version: hefei-2022\n  fix: if it belongs to chuzhou-2021, change "
        r'that line to "Project-Id-Version: chuzhou-2021\\n"; otherwise save it as '
        r"translations/hefei-2022\.en\.po"),
    "PO for another language": (
        lambda p: _po(p, lambda d: d.replace(b"Language: en", b"Language: de")),
        r"chuzhou-2021\.en\.po:10: this is a translation into 'de', not 'en'\n  fix: save it "
        r"as translations/chuzhou-2021\.de\.po"),
    "PO not UTF-8 (GBK bytes, UTF-8 header)": (
        lambda p: _po(p, lambda d: d.decode("utf-8").encode("gb18030")),
        r"chuzhou-2021\.en\.po:17: not UTF-8, although its header says so\n  fix: save it "
        r"as UTF-8 \(Poedit does\); if it is GBK, change its header line to "),
    "PO UTF-8 under another charset": (
        lambda p: _po(p, lambda d: d.replace(b"charset=UTF-8", b"charset=ISO-8859-1")),
        r"chuzhou-2021\.en\.po:12: the header says charset=ISO-8859-1, but the file is UTF-8"),
    "PO with a BOM": (
        lambda p: _po(p, lambda d: b"\xef\xbb\xbf" + d),
        r"chuzhou-2021\.en\.po:1: the file starts with a byte-order mark \(BOM\)"),
    "manuscript unclosed figure": (
        lambda p: _source(p, "段落。\n\n![说明(photos/01.jpg)\n"),
        r"source\.zh\.md:3: unclosed figure\n  fix: write it exactly as "
        r"!\[caption\]\(photos/NN\.jpg\)"),
    "manuscript empty caption": (
        lambda p: _source(p, "段落。\n\n![](photos/01.jpg)\n"),
        r"source\.zh\.md:3: figure photos/01\.jpg has an empty caption\n  fix: write the "
        r"Chinese caption between the brackets"),
    "manuscript figure without an image": (
        lambda p: _source(p, "段落。\n\n![说明]()\n"),
        r"source\.zh\.md:3: figure without an image file\n  fix: write it as "),
    "manuscript not UTF-8": (
        lambda p: _source(p, SMALL.encode("gb18030")),
        r"source\.zh\.md:1: not UTF-8 \(byte 0x\w\w cannot be decoded\)\n  fix: save the file "
        r"as UTF-8 \(it looks like GBK/GB18030; convert it with: iconv -f GB18030 "),
    "manuscript with a control character": (
        lambda p: _source(p, "段落。\n\n第二\x00段。\n"),
        r"source\.zh\.md:3: control character U\+0000 in the text .*\n  fix: delete it"),
    "manuscript with a bidi override": (
        lambda p: _source(p, "段落。\n\n第二\u202e段。\n"),
        r"source\.zh\.md:3: invisible character U\+202E in the text \(RIGHT-TO-LEFT OVERRIDE: "
        r"it reorders the printed text\)\n  fix: delete it"),
    "manuscript with a zero-width space": (
        lambda p: _source(p, "段\u200b落。\n"),
        r"source\.zh\.md:1: invisible character U\+200B in the text \(ZERO WIDTH SPACE"),
    "manuscript with a noncharacter": (
        lambda p: _source(p, "段落。\n\n## 标题\ufffe\n"),
        r"source\.zh\.md:3: noncharacter U\+FFFE in the text"),
    "manuscript paragraph over 100 KB": (
        lambda p: _source(p, "段落。\n\n" + "长" * 34200 + "\n"),
        r"source\.zh\.md:3: this paragraph is 102,600 bytes, over the limit of 100 KB "
        r"\(102,400 bytes\) for one paragraph\n  fix: split it"),
    "empty book": (
        lambda p: _source(p, "\n\n"),
        r"source\.zh\.md: the manuscript has no text: the booklet would be only its cover\n"
        r"  fix: write the Chinese text there .* python build.py import FILE.txt --book "
        r"chuzhou-2021 --force"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_a_clear_error_and_nothing_is_written(project, cli, case):
    damage, message = BAD_INPUT[case]
    damage(project)
    err = refused(project, cli, "build", SAMPLE, "--output", "email")
    assert re.search("^error: .*" + message, err, flags=re.M), err


@pytest.mark.parametrize("case", [c for c in BAD_INPUT if c.startswith("PO")])
def test_update_refuses_a_bad_po_and_leaves_it_as_it_was(project, cli, case):
    """`update` would rewrite the file: on a file it cannot trust it must not."""
    damage, message = BAD_INPUT[case]
    damage(project)
    err = refused(project, cli, "update", SAMPLE)
    assert re.search("^error: .*" + message, err, flags=re.M), err


def test_import_review_refuses_a_po_of_another_book(project, cli):
    code, out, err = cli(project, "export", SAMPLE, "-o", str(project / "review.xlf"))
    assert code == 0, err
    BAD_INPUT["PO for another book"][0](project)
    err = refused(project, cli, "import-review", str(project / "review.xlf"))
    assert "this is the translation file of another book" in err


# ---------------------------------------------------------------- photos

@pytest.mark.integration
def test_missing_photo_is_a_placeholder_in_a_draft_and_an_error_when_final(project, cli):
    _source(project, SMALL + "\n![照片说明](photos/01.jpg)\n")
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    assert ("warning: book/chuzhou-2021/source.zh.md:7: photo photos/01.jpg is missing; a "
            "placeholder frame is printed. Add the file as book/chuzhou-2021/photos/01.jpg"
            ) in err
    assert "Photo missing: photos/01.jpg" in pdftools.text(dist_pdf(project))
    translate_everything(project, cli)
    err = refused(project, cli, "build", SAMPLE, "--final", "--output", "email")
    assert ("error: a final booklet needs every photo:\n  book/chuzhou-2021/source.zh.md:7: "
            "photo photos/01.jpg is missing") in err
    assert "fix: add the photos, or build without --final for a draft" in err


BAD_PHOTOS = {
    "truncated": ("truncated.jpg", "is damaged or incomplete (image file is truncated",
                  "copy the photo from the phone or camera again"),
    "text": ("notes.jpg", "is not an image file (or a kind the booklet does not know), "
                          "whatever its name says", "re-export the photo as JPEG"),
    "bomb": ("bomb.png", "has 400 megapixels, over the limit of 100",
             "shrink it to at most 100 megapixels"),
    "large": ("large.png", "has 11000×10000 pixels (110 megapixels), over the limit of 100",
              "shrink it to at most 100 megapixels"),
    "strip": ("strip.png", "has 1×65000 pixels, a strip too thin to print (the limit is 20:1)",
              "cut it to the part that matters in a photo editor, or give the figure a crop"),
}


# Between 89 and 100 megapixels Pillow only warns; the build must not show that warning.
PHOTO_KINDS = list(BAD_PHOTOS)


@pytest.fixture
def broken_photos(project, tmp_path):
    """The book's photos/ with one photo of each broken kind."""
    made = bad_photos(tmp_path / "made")
    (book(project) / "photos").mkdir(exist_ok=True)
    for kind, (name, *_) in BAD_PHOTOS.items():
        shutil.copy(made[kind], book(project) / "photos" / name)
    return project


def draft_with(project: Path, cli, kinds: list[str]) -> tuple[str, str]:
    """Build a draft showing these broken photos from line 7 on; return (stderr, PDF text)."""
    _source(project, SMALL + "\n" + "\n\n".join(
        f"![第{number}张照片](photos/{BAD_PHOTOS[kind][0]})"
        for number, kind in enumerate(kinds, 1)) + "\n")
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    assert "Warning" not in err  # no raw Python warning reaches the user
    assert pdftools.run("pdfimages", "-list", str(dist_pdf(project))).count("\n") == 2
    for number, kind in enumerate(kinds):
        name, problem, fix = BAD_PHOTOS[kind]
        line = 7 + 2 * number
        assert (f"warning: book/chuzhou-2021/source.zh.md:{line}: photo "
                f"book/chuzhou-2021/photos/{name} {problem}") in err
        assert f"placeholder frame is printed. Fix: {fix}" in err
    return err, pdftools.text(dist_pdf(project))


@pytest.mark.integration
def test_broken_photos_are_placeholders_in_a_draft(broken_photos, cli):
    kinds = [kind for kind in BAD_PHOTOS if kind != "large"]
    err, text = draft_with(broken_photos, cli, kinds)
    for kind in kinds:
        assert f"Photo missing: photos/{BAD_PHOTOS[kind][0]}" in text


@pytest.mark.integration
def test_a_110_megapixel_photo_is_a_placeholder_in_a_draft(broken_photos, cli):
    err, text = draft_with(broken_photos, cli, ["large"])
    assert "Photo missing: photos/large.png" in text


@pytest.mark.parametrize("kind", PHOTO_KINDS)
def test_a_broken_photo_is_an_error_when_final(broken_photos, cli, kind):
    project = broken_photos
    name, problem, fix = BAD_PHOTOS[kind]
    _source(project, SMALL + f"\n![一张照片](photos/{name})\n")
    translate_everything(project, cli)
    err = refused(project, cli, "build", SAMPLE, "--final", "--output", "email")
    assert (f"error: book/chuzhou-2021/source.zh.md:7: photo book/chuzhou-2021/photos/{name} "
            f"{problem}") in err and f"fix: {fix}" in err


@pytest.mark.integration
def test_a_broken_cover_photo_is_reported_at_its_book_yaml_line(tiny_project, cli):
    project = tiny_project
    (book(project) / "photos" / "cover.jpg").write_text("not a photo", encoding="utf-8")
    _yaml(project, "cover_photo: photos/cover.jpg\n")
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    assert "book/chuzhou-2021/book.yaml:14: photo book/chuzhou-2021/photos/cover.jpg is not " \
           "an image file" in err


@pytest.mark.integration
def test_a_missing_cover_photo_is_reported_at_its_book_yaml_line(tiny_project, cli):
    project = tiny_project
    _yaml(project, "cover_photo: photos/cover.jpg\n")
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    assert ("warning: book/chuzhou-2021/book.yaml:14: photo photos/cover.jpg is missing; a "
            "placeholder frame is printed") in err


# ---------------------------------------------------------------- unusual books

@pytest.mark.integration
def test_a_book_without_a_translation_file_is_a_marked_draft(project, cli):
    _source(project, SMALL)
    po_file(project).unlink()
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    assert ("warning: 8 segment(s) lack a reviewed en translation (8 missing); the booklet is "
            "marked DRAFT. 'python build.py check chuzhou-2021' lists them") in err
    text = pdftools.text(dist_pdf(project))
    assert "[translation pending]" in text and "DRAFT" in text
    assert "第二段：居民竖起了大拇指。" in pdftools.squash(text)
    err = refused(project, cli, "build", SAMPLE, "--final", "--output", "email")
    assert ("error: 8 segment(s) are not ready for a final booklet:\n  "
            "translations/chuzhou-2021.en.po (no entry yet): title has no translation") in err
    assert not po_file(project).exists()


@pytest.mark.slow
def test_a_paragraph_of_20000_characters_flows_over_many_pages(project, cli):
    chinese = ("城北新区办事处全体工作人员扎根基层一线，倾听百姓声音，解决群众急难愁盼问题。"
               * 600)[:20_000]
    _source(project, chinese + "\n")
    english = ("The staff of the Chengbei New District office work at the grassroots, listening "
               "to residents and solving their most pressing problems. ") * 180
    translate_everything(project, cli)
    catalog = read_catalog(po_file(project))
    next(e for e in catalog if e.msgid == chinese).msgstr = english
    save_catalog(catalog, po_file(project))
    started = time.perf_counter()
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    assert time.perf_counter() - started < 60
    pdf = dist_pdf(project)
    pages = int(pdftools.info(pdf)["Pages"])
    assert pages >= 20, pages
    source, target, _ = pdftools.columns(pdf)
    assert pdftools.squash(chinese) in source
    # Both columns run on over many pages.
    all_words, _ = pdftools.words(pdf)
    source_pages = {w.page for w in all_words if "城北" in w.text or "基层" in w.text}
    assert len(source_pages) >= 20 and len({w.page for w in target}) >= 20
    # Every letter of the translation is there (hyphens at line ends are not copied).
    assert "".join(w.text for w in target) == "".join(english.split())


@pytest.mark.integration
def test_a_manuscript_in_traditional_chinese(project, cli):
    text = ("曾經坑窪不平的道路變身柏油路，居民由怨聲載道改為豎起大拇指。\n\n"
            "## 黨建引領 點燃發展「引擎」\n\n"
            "「今年，我們始終堅持把學習宣傳貫徹作為首要政治任務。」辦事處負責人說。\n")
    _source(project, text)
    meta = book(project) / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("source_lang: zh-CN",
                                                             "source_lang: zh-TW")
                    .replace("刘金鑫", "劉金鑫"), encoding="utf-8")
    translate_everything(project, cli)
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    pdf = dist_pdf(project)
    squashed = pdftools.squash(pdftools.text(pdf))
    for paragraph in text.split("\n\n"):
        assert pdftools.squash(paragraph.removeprefix("## ")) in squashed, paragraph
    assert "劉金鑫" in squashed
    fonts = {f.name.split("+", 1)[1] for f in pdftools.fonts(pdf)}
    # (Chinese headings are set in Noto Sans CJK SC bold, issue 14.)
    assert fonts <= {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold", "Noto-Sans-CJK-SC-Bold",
                     "Noto-Serif", "Noto-Serif-Bold", "Noto-Serif-Italic"}, fonts


@pytest.mark.integration
def test_bom_and_crlf_everywhere_read_like_plain_files(project, cli):
    _source(project, SMALL)
    done = translate_everything(project, cli)
    for path in (book(project) / "book.yaml", book(project) / "source.zh.md"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    # A PO file with CRLF (Windows editors); a BOM in it is refused, see BAD_INPUT.
    _po(project, lambda d: d.replace(b"\n", b"\r\n"))
    code, out, err = cli(project, "build", SAMPLE, "--final", "--output", "email")
    assert code == 0, err
    text = pdftools.text(dist_pdf(project))
    assert "DRAFT" not in text and "pending" not in text and "\r" not in text
    for english in done.values():
        assert pdftools.squash(english) in pdftools.squash(text)


# ---------------------------------------------------------------- interruptions

IN_OPEN = 0x20


def wait_until_opened(path: Path, process: subprocess.Popen, timeout: float) -> bool:
    """Block until some process opens `path` (inotify); False on timeout or exit."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    if fd < 0 or libc.inotify_add_watch(fd, str(path).encode(), IN_OPEN) < 0:
        pytest.skip("inotify is not available")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if select.select([fd], [], [], 0.05)[0]:
                return True
        return False
    finally:
        os.close(fd)


@pytest.mark.slow
def test_ctrl_c_during_a_build_leaves_the_previous_pdf(project, cli):
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    good = dist_pdf(project).read_bytes()
    (book(project) / "source.zh.md").write_text(
        (book(project) / "source.zh.md").read_text(encoding="utf-8") + "\n新加的一段。\n",
        encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "build", SAMPLE],
                               cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        # WeasyPrint fetching the stylesheet is the start of rendering.
        assert wait_until_opened(project / "styles" / "booklet.css", process, 60), \
            process.communicate()
        time.sleep(0.3)  # into the layout
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert err.strip().endswith(
        "interrupted: nothing was half-written; run the command again"), err
    assert "Traceback" not in err
    assert dist_pdf(project).read_bytes() == good
    assert sorted(p.name for p in (project / "dist").iterdir()) == [dist_pdf(project).name]
    leftovers = [p for p in (project / ".cache").rglob("*") if p.name.endswith(".tmp")
                 or (p.is_dir() and p.parent.name == "handout")]
    assert leftovers == []


# ---------------------------------------------------------------- writes are atomic

def limited_run(project: Path, limit: int, *args: str) -> subprocess.CompletedProcess:
    """Run build.py with files limited to `limit` bytes: a write past it fails half-way,
    like a full disk."""
    def limit_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=project,
                          capture_output=True, text=True, preexec_fn=limit_files, env=env,
                          timeout=120)


def no_temporary_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".#")]


@pytest.mark.slow
def test_a_po_write_that_fails_half_way_leaves_the_old_file(project, cli):
    translate_everything(project, cli)
    before = po_file(project).read_bytes()
    _source(project, (book(project) / "source.zh.md").read_text(encoding="utf-8")
            + "\n新加的一段。\n")
    result = limited_run(project, len(before) // 2, "update", SAMPLE)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: File too large\n  fix: check that the folder "
                                    "exists, is a folder, and is writable, and that the disk "
                                    "is not full"), result.stderr
    assert po_file(project).read_bytes() == before
    assert no_temporary_files(project / "translations") == []


@pytest.mark.slow
def test_an_output_or_cache_write_that_fails_half_way_leaves_the_old_files(tiny_project, cli):
    project = tiny_project
    photo = book(project) / "photos" / "01.jpg"
    Image.effect_noise((1200, 800), 90).convert("RGB").save(photo, quality=95)
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    old = dist_pdf(project).read_bytes()
    cached = {p: p.read_bytes() for p in (project / ".cache").rglob("*") if p.is_file()}

    # Everything is cached: the PDF is the only write, and it fails half-way.
    result = limited_run(project, len(old) // 2, "build", SAMPLE, "--output", "email")
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: File too large\n  fix: check that the folder "
                                    "exists, is a folder, and is writable, and that the disk "
                                    "is not full"), result.stderr
    assert dist_pdf(project).read_bytes() == old
    assert sorted(p.name for p in (project / "dist").iterdir()) == [dist_pdf(project).name]

    # A new photo: preparing it writes the cache first, and that write fails half-way.
    Image.effect_noise((1200, 800), 60).convert("RGB").save(photo, quality=95)
    result = limited_run(project, 20_000, "build", SAMPLE, "--output", "email")
    assert result.returncode == 1 and "File too large" in result.stderr, result.stderr
    assert dist_pdf(project).read_bytes() == old
    now = {p: p.read_bytes() for p in (project / ".cache").rglob("*") if p.is_file()}
    assert now == cached  # nothing new, nothing half-written
    assert no_temporary_files(project) == []


# ---------------------------------------------------------------- one writer per PO

def test_a_second_command_waits_for_the_first_to_finish_with_the_po(project, cli):
    lock = pytest.importorskip("parabook.infra.lock")
    _source(project, SMALL)
    before = po_file(project).read_bytes()
    with lock.po_lock(po_file(project)):
        code, out, err = cli(project, "update", SAMPLE)
    assert code == lock.LockedError.exit_code
    assert ("error: translations/chuzhou-2021.en.po: another parabook command (update, "
            "translate or import-review) is writing translations/chuzhou-2021.en.po right now"
            "\n  fix: wait for it to finish, then run this command again") in err
    assert po_file(project).read_bytes() == before
    assert cli(project, "update", SAMPLE)[0] == 0  # released


def test_import_review_takes_the_po_lock(project, cli):
    lock = pytest.importorskip("parabook.infra.lock")
    code, out, err = cli(project, "export", SAMPLE, "-o", str(project / "review.xlf"))
    assert code == 0, err
    with lock.po_lock(po_file(project)):
        code, out, err = cli(project, "import-review", str(project / "review.xlf"))
    assert code == lock.LockedError.exit_code, err


def test_update_never_drops_reviewed_text(project, cli):
    """Delete every paragraph, then bring them back: every reviewed text survives."""
    done = translate_everything(project, cli)
    source = (book(project) / "source.zh.md").read_text(encoding="utf-8")
    _source(project, "只剩一段。\n")
    assert cli(project, "update", SAMPLE)[0] == 0
    kept = {e.msgstr for e in polib.pofile(str(po_file(project)))}
    assert set(done.values()) - kept == set()
    _source(project, source)
    code, out, err = cli(project, "update", SAMPLE)
    assert code == 0, err
    catalog = polib.pofile(str(po_file(project)))
    active = {e.msgid: e for e in catalog if not e.obsolete}
    assert all(active[msgid].msgstr == text and not active[msgid].fuzzy
               for msgid, text in done.items())


# ---------------------------------------------------------------- found in review


@pytest.mark.slow
def test_a_pipe_in_place_of_a_file_is_refused_not_waited_on(project):
    source = book(project) / "source.zh.md"
    source.unlink()
    os.mkfifo(source)
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "build", SAMPLE],
                          cwd=project, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "the manuscript is not a regular file (a folder, pipe or device)" in done.stderr
    source.unlink()
    _source(project, SMALL)
    po = po_file(project)
    po.unlink()
    os.mkfifo(po)
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "check", SAMPLE],
                          cwd=project, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "the translation file is not a regular file" in done.stderr


@pytest.mark.integration
def test_a_huge_photo_file_is_refused_before_it_is_read(tiny_project, cli):
    project = tiny_project
    photo = book(project) / "photos" / "01.jpg"
    photo.parent.mkdir(exist_ok=True)
    with photo.open("wb") as handle:  # sparse: 300 MB on paper, nothing on disk
        handle.truncate(300 * 2**20)
    code, _, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    assert "photos/01.jpg is 300 MB, over the limit of 200 MB" in err


@pytest.mark.parametrize("src", ["photos/a%00.jpg", "photos/" + "a" * 300 + ".jpg",
                                 "photos/loop.jpg"])
def test_an_unusable_photo_path_is_an_error_at_its_line(project, cli, src):
    photos = book(project) / "photos"
    photos.mkdir(exist_ok=True)
    (photos / "loop.jpg").symlink_to("loop2.jpg")
    (photos / "loop2.jpg").symlink_to("loop.jpg")
    _source(project, SMALL + f"\n![一张照片]({src})\n")
    err = refused(project, cli, "build", SAMPLE, "--output", "email")
    assert "source.zh.md:7: photo path" in err and "cannot be used" in err


def test_control_characters_in_book_yaml_and_translations_are_refused(project, cli):
    yaml_path = book(project) / "book.yaml"
    good = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(good.replace("place: 安徽省滁州市", 'place: "安徽\\0省"'),
                         encoding="utf-8")
    err = refused(project, cli, "build", SAMPLE, "--output", "email")
    assert "book.yaml:" in err and "'place' holds control character U+0000" in err
    yaml_path.write_text(good, encoding="utf-8")
    po = po_file(project)
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Liu Jinxin"', 'msgstr "Liu\\x1b[31m Jinxin"'),
                  encoding="utf-8")
    # polib keeps \x1b as text, not as ESC: only a real control character is refused.
    catalog = polib.pofile(str(po))
    next(e for e in catalog if e.msgid == "刘金鑫").msgstr = "Liu\x1bJinxin"
    catalog.save(str(po))
    err = refused(project, cli, "build", SAMPLE, "--output", "email")
    assert "control character U+001B in the translation" in err


def test_a_plural_entry_for_a_segment_is_refused(project, cli):
    catalog = polib.pofile(str(po_file(project)))
    byline = next(e for e in catalog if e.msgid == "刘金鑫")
    byline.msgid_plural, byline.msgstr_plural, byline.msgstr = "x", {0: "Liu Jinxin",
                                                                      1: "Liu"}, ""
    catalog.save(str(po_file(project)))
    err = refused(project, cli, "build", SAMPLE, "--output", "email")
    assert "this entry has plural forms (msgid_plural)" in err


def test_a_review_file_in_another_encoding_is_refused_clearly(project, cli):
    code, _, err = cli(project, "export", SAMPLE, "-o", str(project / "review.xlf"))
    assert code == 0, err
    xlf = project / "review.xlf"
    data = xlf.read_bytes()
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    xlf.write_bytes(data.replace(b"encoding='utf-8'", b"encoding='gb2312'", 1))
    code, _, err = cli(project, "import-review", str(xlf))
    assert code == 2 and "cannot read its XML" in err and "save it as UTF-8" in err


def test_a_linked_po_file_is_written_where_it_lives(project, cli, tmp_path):
    shared = tmp_path / "shared.po"
    shutil.move(po_file(project), shared)
    po_file(project).symlink_to(shared)
    source = book(project) / "source.zh.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n新加的一段。\n", encoding="utf-8")
    code, _, err = cli(project, "update", SAMPLE)
    assert code == 0, err
    assert po_file(project).is_symlink()
    assert "新加的一段" in shared.read_text(encoding="utf-8")
