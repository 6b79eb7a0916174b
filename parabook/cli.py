"""Command line: the only place that prints and chooses exit codes."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

from .errors import BookError, InputError, display_path
from .importer import SLUG_RE, import_article
from .pipeline import Project, build_book

LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py",
                                     description="Build bilingual Chinese booklets.")
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", help="turn a plain-text Chinese article into book/SLUG/")
    imp.add_argument("file", type=Path)
    imp.add_argument("--book", required=True, metavar="SLUG", help="folder name under book/")
    imp.add_argument("--force", action="store_true",
                     help="replace an existing book's text (its photos are kept)")
    imp.add_argument("--encoding", help="decode the file with this encoding, e.g. gb18030")

    bld = sub.add_parser("build", help="render dist/SLUG.pdf")
    bld.add_argument("slug", nargs="?", help="book to build (default: every book)")
    bld.add_argument("--lang", help="target language (default: the book's first)")

    args = parser.parse_args(argv)
    project = Project(root or Path.cwd())
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    # WeasyPrint's own chatter (e.g. unsupported CSS) is not for the user.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        if args.command == "import":
            return _import(project, args)
        return _build(project, args)
    except BookError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted: nothing was half-written; run the command again", file=sys.stderr)
        return 130


def _import(project: Project, args: argparse.Namespace) -> int:
    target, report = import_article(args.file, project.books, args.book,
                                    force=args.force, encoding=args.encoding)
    for line in report.lines():
        print(line)
    print(f"Wrote {display_path(target)}/ ({report.joined} paragraphs rejoined). "
          "Check the decisions above against the text.")
    return 0


def _build(project: Project, args: argparse.Namespace) -> int:
    slugs = [args.slug] if args.slug else sorted(
        p.parent.name for p in project.books.glob("*/book.yaml"))
    if not slugs:
        raise BookError(f"no books in {project.books}",
                        fix="import one: python build.py import FILE.txt --book SLUG")
    if args.lang and not LANG_RE.match(args.lang):
        raise InputError(f"--lang {args.lang!r} is not a language tag",
                         fix="give a tag such as en, de or pt-BR")
    for slug in slugs:
        if not SLUG_RE.match(slug):
            raise InputError(f"book name {slug!r} is not a book folder name",
                             fix="give the folder name under book/, e.g. chuzhou-2021")
        result = build_book(project, slug, args.lang)
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        size = result.output.stat().st_size
        print(f"built {display_path(result.output)}: {result.pages} pages, "
              f"{size / 1024:.0f} KiB, in {result.seconds:.1f} s")
    return 0
