"""`build.py watch`: the real command in a subprocess, on a copy of the sample."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from . import pdftools
from .command import Command
from .conftest import REPO, SAMPLE

OLD = '"Potholed roads have been paved with asphalt, curbs have been repaired and "'
NEW = '"Potholed streets have been paved with asphalt, curbs have been repaired and "'


def save_like_an_editor(path: Path, text: str) -> None:
    """Write a temporary file beside it, then rename it over the file, as editors do."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


@pytest.fixture
def session(tiny_project):
    running = Command(tiny_project, "watch")
    yield running
    if running.process.poll() is None:
        running.stop()


def test_a_translation_edit_is_rebuilt_and_a_bad_edit_keeps_the_last_pdf(tiny_project, session):
    project = tiny_project
    pdf = project / "dist" / f"{SAMPLE}.email.pdf"
    po = project / "translations" / f"{SAMPLE}.en.po"
    first = session.wait_for("watching")
    assert any(line.startswith(f"built dist/{SAMPLE}.email.pdf: ") for line in first), first
    assert "Potholed roads have" in pdftools.text(pdf)
    assert not (project / "dist" / f"{SAMPLE}.print.pdf").exists()  # email only by default

    text = po.read_text(encoding="utf-8")
    assert OLD in text
    save_like_an_editor(po, text.replace(OLD, NEW))
    rebuilt = session.wait_for("rebuilt in ")
    assert rebuilt[0] == f"changed: translations/{SAMPLE}.en.po", rebuilt
    assert "  opening, paragraph 1: translation edited" in rebuilt
    seconds = float(rebuilt[-1].removeprefix("rebuilt in ").removesuffix(" s"))
    assert 0 < seconds < 60
    shown = pdftools.text(pdf)
    assert "Potholed streets have" in shown and "Potholed roads have" not in shown

    # A broken PO file: the error names the line; the last good PDF stays.
    good = pdf.read_bytes()
    save_like_an_editor(po, text.replace(OLD, '"Potholed streets have with potholes'))
    failed = session.wait_for("  the previous PDF is unchanged")
    assert any(line.startswith(f"error: translations/{SAMPLE}.en.po:") for line in failed), failed
    assert pdf.read_bytes() == good

    # Fixed again: it keeps watching and builds.
    save_like_an_editor(po, text)
    session.wait_for("rebuilt in ")
    assert "Potholed roads have" in pdftools.text(pdf)

    assert session.stop() == 0
    assert session.wait_for("stopped", timeout=5)


def test_unknown_output_or_book_is_an_error_before_watching(project):
    for args, message in ((("--output", "poster"), "choose from print, handout, email"),
                          (("nosuchbook",), "there is no book 'nosuchbook'")):
        done = subprocess.run([sys.executable, str(REPO / "build.py"), "watch", *args],
                              cwd=project, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert message in done.stderr
