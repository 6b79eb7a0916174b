"""Command line: the only place that prints and chooses exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from parabook import service
from parabook.catalog.diff import char_diff
from parabook.catalog.qa import STATE_ORDER, CheckReport
from parabook.diagnostics import Diagnostic
from parabook.errors import BookError, display_path
from parabook.infra import interrupts
from parabook.lang.en import count
from parabook.mt.engine import PROVIDERS, WRITABLE, ProviderError, Report, Settings, describe
from parabook.mt.llm import LLM_PROVIDERS
from parabook.project import DEFAULTS, Project


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py",
                                     description="Build bilingual Chinese booklets.")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text)

    imp = command("import", "turn a Chinese article (.txt, .docx or a saved .html page) "
                            "into book/SLUG/")
    imp.add_argument("file", type=Path)
    imp.add_argument("--book", required=True, metavar="SLUG", help="folder name under book/")
    imp.add_argument("--force", action="store_true",
                     help="replace an existing book's text (its photos and every book.yaml "
                          "setting are kept)")
    imp.add_argument("--encoding", help="decode the file with this encoding, e.g. gb18030")

    bld = command("build", "render the PDFs: dist/SLUG.print.pdf, .handout.pdf, "
                                         ".email.pdf")
    bld.add_argument("slug", nargs="?", help="book to build (default: every book)")
    bld.add_argument("--lang", help="target language (default: the book's first)")
    bld.add_argument("--final", action="store_true",
                     help="refuse unless every translation is reviewed and every photo is there")
    bld.add_argument("--output", default=",".join(DEFAULTS["outputs"]),
                     help="comma-separated: print (print shop: bleed, crop marks), handout "
                          "(office printer: A4, duplex, fold and staple), email (small, "
                          "tagged); default: all three")

    upd = command("update", "bring translations/SLUG.LANG.po in step with the "
                                        "manuscript")
    upd.add_argument("slug", nargs="?", help="book (default: every book)")
    upd.add_argument("--lang", help="target language (default: all of the book's)")

    chk = command("check", "review counts and QA findings of the translations")
    chk.add_argument("slug", nargs="?", help="book (default: every book)")
    chk.add_argument("--lang", help="target language (default: all of the book's)")
    chk.add_argument("--final", action="store_true",
                     help="exit 1 unless everything is reviewed and QA is clean")

    exp = command("export", "write the translations for review tools (XLIFF 1.2)")
    exp.add_argument("slug")
    exp.add_argument("--lang", help="target language (default: the book's first)")
    exp.add_argument("--format", choices=["xliff"], default=DEFAULTS["export_format"])
    exp.add_argument("-o", "--output", type=Path,
                     help="file to write (default: dist/SLUG.LANG.xlf)")

    pre = command("preview", "build the email PDF and write PNG images of its "
                                         "spreads to dist/preview/")
    pre.add_argument("slug", nargs="?", help="book (default: every book)")
    pre.add_argument("--lang", help="target language (default: the book's first)")
    pre.add_argument("--dpi", type=int, default=DEFAULTS["preview_dpi"],
                     help=f"resolution (default {DEFAULTS['preview_dpi']})")

    tra = command("translate", "machine-draft untranslated segments into the PO "
                                           "file (fuzzy, for a person to review)")
    tra.add_argument("slug", nargs="?", help="book (default: every book)")
    tra.add_argument("--lang", help="target language (default: the book's first)")
    tra.add_argument("--provider", default=DEFAULTS["mt_provider"], choices=sorted(PROVIDERS),
                     help="translation service (default: google; keys: see README). "
                          "openai, deepseek, qwen and ollama are language models: "
                          "presets for any OpenAI-compatible chat API (--endpoint, --model)")
    tra.add_argument("--only", default=DEFAULTS["mt_only"], choices=list(WRITABLE),
                     help="missing: empty entries (default); stale: also entries whose "
                          "Chinese changed (a language model edits the reviewed translation "
                          "only where the Chinese changed); all-unreviewed: also untouched "
                          "machine drafts. "
                          "Reviewed entries and drafts a person edited are never replaced")
    tra.add_argument("--dry-run", action="store_true",
                     help="only say how many segments and characters would be sent")
    tra.add_argument("--endpoint", default=os.environ.get("PARABOOK_MT_ENDPOINT"),
                     help="send to this base URL instead of the provider's own (a "
                          "self-hosted or proxy server); env PARABOOK_MT_ENDPOINT")
    tra.add_argument("--model", help="a language model's name (default: the preset's, see "
                                     "README)")
    tra.add_argument("--timeout", type=float, default=DEFAULTS["mt_timeout"],
                     help="seconds to wait for each answer (default 20; a language model "
                          "gets 6 times as long to write a batch)")
    tra.add_argument("--rate", type=float, default=DEFAULTS["mt_rate"],
                     help="requests per second (default: the provider's, 1-3)")
    tra.add_argument("--retries", type=int, default=DEFAULTS["mt_retries"],
                     help="retries after HTTP 429, 5xx or a timeout (default 5)")
    tra.add_argument("--backoff", type=float, default=DEFAULTS["mt_backoff"],
                     help="seconds before the first retry, doubled each time (default 1)")

    ter = command("terms", "ask a language model for glossary entries the book lacks; "
                           "writes translations/SLUG.LANG.terms.tsv, the glossary is untouched")
    ter.add_argument("slug", nargs="?", help="book (default: the only book)")
    ter.add_argument("--lang", help="target language (default: the book's first)")
    ter.add_argument("--provider", default="openai", choices=list(LLM_PROVIDERS),
                     help="language model preset (default: openai)")
    ter.add_argument("--endpoint", default=os.environ.get("PARABOOK_MT_ENDPOINT"),
                     help="the chat API's base URL; env PARABOOK_MT_ENDPOINT")
    ter.add_argument("--model", help="the model (default: the preset's)")
    ter.add_argument("--timeout", type=float, default=DEFAULTS["mt_timeout"],
                     help="seconds to wait for each answer, times 6 (default 20)")

    wat = command("watch", "rebuild a PDF whenever a source, translation, template, "
                                       "style or photo changes")
    wat.add_argument("slug", nargs="?", help="book (default: the only book)")
    wat.add_argument("--lang", help="target language (default: the book's first)")
    wat.add_argument("--output", default=",".join(DEFAULTS["watch_outputs"]),
                     help="comma-separated outputs to rebuild (default: email)")

    pho = command("photos", "list the figures still missing a photo beside the files in "
                            "photos/ that no figure uses")
    pho.add_argument("slug", help="book to look at")

    rev = command("import-review", "read a reviewed XLIFF file back into its PO file")
    rev.add_argument("file", type=Path)

    cac = command("cache", "show the size of .cache/ (prepared photos, cut fonts, measured "
                           "text); --clear deletes it. The translation memory is kept")
    cac.add_argument("--clear", action="store_true", help="delete everything in .cache/")

    rvw = command("review", "serve a review page in the browser: edit, save and approve "
                            "each translation beside the page where it stands")
    rvw.add_argument("slug", nargs="?", help="book (default: the only book)")
    rvw.add_argument("--lang", help="target language (default: the book's first)")
    rvw.add_argument("--open", action="store_true", help="open the page in the browser")
    rvw.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1, this computer only; "
                          "0.0.0.0: the office network, still with the token)")
    rvw.add_argument("--port", type=int, default=0, help="port (default: a free one)")

    args = parser.parse_args(argv)
    project = Project(root or Path.cwd())
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    # WeasyPrint's own chatter (e.g. unsupported CSS) is not for the user.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    run = {"import": _import, "build": _build, "update": _update, "check": _check,
           "export": _export, "import-review": _import_review,
           "preview": _preview, "watch": _watch, "translate": _translate,
           "terms": _terms, "photos": _photos, "review": _review,
           "cache": _cache}[args.command]
    try:
        # Ctrl-C, and the SIGTERM that `kill`, `timeout` and a cancelled CI job send, both
        # clean up as a KeyboardInterrupt, and neither is lost (`interrupts`).
        with interrupts.handled():
            return run(project, args)
    except BookError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # the disk, not the input: name the file and what to check
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}\n  fix: check that the folder "
              "exists, is a folder, and is writable, and that the disk is not full",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was half-written; run the command again", file=sys.stderr)
        return 130


def _import(project: Project, args: argparse.Namespace) -> int:
    imported = service.import_article(project, args.file, args.book, force=args.force,
                                      encoding=args.encoding)
    for line in imported.report.lines():
        print(line)
    print(f"Wrote {display_path(imported.folder)}/ ("
          f"{count(imported.report.joined, 'paragraph')} rejoined). Check the decisions above "
          "against the text.")
    return 0


def _photos(project: Project, args: argparse.Namespace) -> int:
    missing, unused = service.photos(project, args.slug)
    print(f"Figures without their photo ({len(missing)}):")
    for figure, maybe in missing:
        hint = (f"  <- found as {maybe[0]}: the build uses it; rename it to be sure"
                if len(maybe) == 1 else
                f"  <- {' and '.join(maybe)} are there: keep the one that belongs here"
                if maybe else "")
        print(f"  {figure.src}  {figure.caption}{hint}")
    print(f"Files in photos/ that no figure uses ({len(unused)}):")
    for name in unused:
        print(f"  photos/{name}")
    if missing and unused:
        print("Rename each file to the name its figure gives, or write the file's name in "
              "source.zh.md.")
    return 0


def _build(project: Project, args: argparse.Namespace) -> int:
    outputs = service.parse_outputs(args.output)
    for slug in project.slugs(args.slug):
        lang = project.langs(slug, args.lang)[0]
        result = service.build(project, slug, lang, final=args.final, outputs=outputs)
        _print_warnings(result.warnings)
        for out in result.outputs:
            print(f"built {display_path(out.path)}: {out.extent}, "
                  f"{out.path.stat().st_size / 1024:.0f} KiB")
            if out.note:
                print(f"  {out.note}")
        for note in result.notes:
            print(note)
        print(f"{slug}: {len(result.outputs)} PDF(s) in {result.seconds:.1f} s")
    return 0


def _print_warnings(warnings: tuple[Diagnostic, ...]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _update(project: Project, args: argparse.Namespace) -> int:
    for slug in project.slugs(args.slug):
        for lang in project.langs(slug, args.lang):
            r = service.update(project, slug, lang)
            what = "created" if r.created else ("updated" if r.written else "unchanged")
            print(f"{display_path(r.path)}: {what}; {r.added} new, {r.suggested} edited "
                  f"(old translation kept as a fuzzy suggestion), {r.obsoleted} obsolete, "
                  f"{r.revived} restored")
            for change in r.changes:
                print(f"  {change}")
    return 0


STATE_LABELS = {"reviewed": "reviewed", "machine": "machine draft", "stale": "stale",
                "unreviewed": "other unreviewed", "missing": "missing"}
"""Each review state as `check` names it; only `machine draft` takes a plural."""


def _check(project: Project, args: argparse.Namespace) -> int:
    clean = True
    for slug in project.slugs(args.slug):
        for lang in project.langs(slug, args.lang):
            report = service.check(project, slug, lang)
            for line in _check_lines(report):
                print(line)
            clean = clean and report.final
    if args.final and not clean:
        print("not final: review every translation and fix every finding above",
              file=sys.stderr)
        return 1
    return 0


def _check_lines(report: CheckReport) -> list[str]:
    po = display_path(report.po)
    counts = ", ".join(count(report.counts[s], STATE_LABELS[s], STATE_LABELS[s] + (
        "s" if s == "machine" else "")) for s in STATE_ORDER)
    lines = [f"{report.slug} ({report.lang}): {po}",
             f"  {count(sum(report.counts.values()), 'segment')}: {counts}"]
    if report.glossaries:
        lines.append("  glossary: " + ", ".join(display_path(g) for g in report.glossaries)
                     + (" (the book's own first; its terms win)"
                        if len(report.glossaries) > 1 else ""))
    for segment, translation in report.unfinished:
        if translation.state != "missing":
            where = f"{po}:{translation.line}"
            lines.append(f"  {where}: {segment.where}: {STATE_LABELS[translation.state]}")
            if segment in report.previous:
                lines.append(f"      the Chinese changed: "
                             f"{char_diff(report.previous[segment], segment.text)}")
    for finding in report.open:
        where = f"{po}:{finding.line}" if finding.line else f"{po} (no entry; run update)"
        lines.append(f"  {where}: {finding.segment.where}: {finding.message}")
    if report.accepted:
        lines.append(f"  accepted by a reviewer ({len(report.accepted)}):")
    for finding in report.accepted:
        lines.append(f"    {po}:{finding.line}: {finding.segment.where}: [{finding.check}] "
                     f"{finding.message} -- accepted: {finding.waived}")
    if report.final:
        lines.append("  ready for a final build")
    return lines


def _export(project: Project, args: argparse.Namespace) -> int:
    slug = project.slugs(args.slug)[0]
    exported = service.export(project, slug, project.langs(slug, args.lang)[0], args.output)
    print(f"wrote {display_path(exported.path)}: {count(exported.units, 'unit')} (XLIFF 1.2; "
          "reviewed units are approved=\"yes\"). Read it back with: python build.py "
          "import-review FILE")
    return 0


def _preview(project: Project, args: argparse.Namespace) -> int:
    for slug in project.slugs(args.slug):
        lang = project.langs(slug, args.lang)[0]
        result, preview = service.preview(project, slug, lang, dpi=args.dpi)
        _print_warnings(result.warnings)
        print(f"wrote {len(preview.images)} spread(s) of {display_path(preview.pdf)} to "
              f"{display_path(project.dist / 'preview')}/")
    return 0


class _Bar:
    """The translate progress bar (tqdm), or a line now and then when not on a terminal."""

    def __init__(self) -> None:
        self.report: Report | None = None
        self.bar = None
        self.done = 0

    def start(self, report: Report) -> None:
        from tqdm import tqdm

        self.report = report
        print(describe(report))
        tqdm.monitor_interval = 0  # no monitor thread: a process with threads never forks
        self.bar = tqdm(total=report.jobs, unit="segment", file=sys.stderr, disable=None,
                        dynamic_ncols=True)

    def advance(self, report: Report) -> None:
        self.done += 1
        status = f"{report.chars:,} chars sent; {_responses(report)}"
        if self.bar is not None and not self.bar.disable:
            self.bar.update(1)
            self.bar.set_postfix_str(status)
        elif self.done == report.jobs or self.done % max(1, report.jobs // 10) == 0:
            print(f"{self.done}/{report.jobs} segments; {status}", file=sys.stderr)

    def say(self, message: str) -> None:
        from tqdm import tqdm

        tqdm.write(f"note: {message}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _responses(report: Report) -> str:
    shown = ", ".join(f"{code}\u00d7{n}" for code, n in sorted(report.statuses.items()))
    return f"responses {shown}" if shown else "no responses yet"


def _summary(report: Report) -> str:
    return (f"{report.drafted} of {report.jobs} segment(s) drafted with {report.provider.label}"
            f": {report.requests} request(s), {report.retries} retries, {report.chars:,} "
            f"characters sent, {report.seconds:.1f} s; {_responses(report)}"
            + (f"; {report.tokens[0]:,} tokens in, {report.tokens[1]:,} out"
               if report.tokens is not None else ""))


def _translate(project: Project, args: argparse.Namespace) -> int:
    settings = Settings(provider=args.provider, only=args.only, endpoint=args.endpoint,
                        timeout=args.timeout, rate=args.rate, retries=args.retries,
                        backoff=args.backoff, dry_run=args.dry_run, model=args.model)
    status = 0
    for slug in project.slugs(args.slug):
        lang = project.langs(slug, args.lang)[0]
        if args.dry_run:
            print(describe(service.translate(project, slug, lang, settings), dry_run=True))
            continue
        bar = _Bar()
        try:
            report = service.translate(project, slug, lang, settings, bar)
        except (ProviderError, KeyboardInterrupt) as stop:
            bar.close()
            if bar.report is not None:
                print(_summary(bar.report), file=sys.stderr)
            if isinstance(stop, ProviderError):
                raise
            done = bar.report.drafted if bar.report else 0
            print(f"interrupted: the {done} draft(s) finished are saved; run the same "
                  "command again to resume", file=sys.stderr)
            return 130
        bar.close()
        print(_summary(report))
        if report.glossary_misses:
            print(f"  {report.glossary_misses} glossary term(s) missing from the drafts; "
                  "each is noted in its entry's comment (python build.py check lists them)")
        if report.skipped:  # each was noted as it happened
            print(f"{len(report.skipped)} segment(s) got no draft; run the command again to "
                  "retry them, or translate them by hand", file=sys.stderr)
            status = 1
        print(f"Drafts are fuzzy (unreviewed) until a person reviews them: see "
              f"{display_path(report.po)}")
    return status


def _terms(project: Project, args: argparse.Namespace) -> int:
    settings = Settings(provider=args.provider, endpoint=args.endpoint, model=args.model,
                        timeout=args.timeout)
    slug = project.only_book(args.slug)
    report = service.terms(project, slug, args.lang, settings)
    usage = report.usage
    print(f"{display_path(report.path)}: {len(report.suggestions)} suggested glossary "
          f"entr{'y' if len(report.suggestions) == 1 else 'ies'} ({usage.requests} "
          f"request(s), {usage.tokens_in:,} tokens in, {usage.tokens_out:,} out)")
    print(f"Nothing was added to {display_path(report.glossary)}: copy the lines you accept "
          "into it")
    return 0


def _watch(project: Project, args: argparse.Namespace) -> int:
    from parabook.watch import Watched, watch  # watchfiles is only needed here

    outputs = service.parse_outputs(args.output)
    return watch(Watched(project, project.only_book(args.slug), args.lang, outputs))


def _cache(project: Project, args: argparse.Namespace) -> int:
    report = service.cache(project, clear=args.clear)
    size = f"{report.bytes / 2**20:.1f} MiB"
    what = f"cleared, {size} freed" if report.cleared else f"{size} (--clear deletes it)"
    print(f"{display_path(report.folder)}/: {what}; the translation memory "
          f"({display_path(report.memory)}) is kept")
    return 0


def _import_review(project: Project, args: argparse.Namespace) -> int:
    report = service.import_review(project, args.file)
    for line in report.kept + report.skipped:
        print(f"note: {line}", file=sys.stderr)
    what = "updated" if report.written else "unchanged"
    print(f"{display_path(report.po)}: {what}; {report.approved} approved, {report.edited} "
          f"edited (still unreviewed), {len(report.kept)} reviewed kept, "
          f"{len(report.skipped)} skipped")
    for line in report.changed:
        print(f"  {line}")
    return 0


def _review(project: Project, args: argparse.Namespace) -> int:
    from parabook.review.app import serve  # starlette and uvicorn: only here

    slug = project.only_book(args.slug)
    return serve(project, slug, project.langs(slug, args.lang)[0], host=args.host,
                 port=args.port, open_browser=args.open,
                 say=lambda line: print(line, flush=True))
