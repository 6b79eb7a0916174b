"""What makes a build fast, and must not change what it builds: the measured text and
the cut fonts kept on disk, the writes and photos made in forked processes, and how those
processes end. These guard the behaviour on the tiny book; the timings are `make bench`'s."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from parabook import pipeline
from parabook.errors import InputError
from parabook.infra import fork
from parabook.output.outputs import SPECS, PhotoJob, prepare_each
from parabook.typeset import measure

from . import pdftools
from .conftest import REPO, SAMPLE
from .photogen import distinct_copy

EDIT = ("Potholed roads have", "Potholed streets have")


@pytest.fixture
def project(tiny_project, monkeypatch):
    """The tiny book, and this test run in it (messages show paths relative to it)."""
    monkeypatch.chdir(tiny_project)
    return tiny_project


@pytest.fixture
def fresh_process(monkeypatch):
    """Nothing measured in this process yet, as in a new `build.py` run."""
    monkeypatch.setattr(measure, "_MEMO", {})
    yield
    measure._fingerprint.cache_clear()  # a test may have faked other fonts


def shaping(monkeypatch) -> list[str]:
    """Record the texts Pango shapes from now on."""
    shaped: list[str] = []
    original = measure._shape

    def spy(text, family, size, lang):
        shaped.append(text)
        return original(text, family, size, lang)

    monkeypatch.setattr(measure, "_shape", spy)
    return shaped


def edit(project: Path) -> None:
    po = project / "translations" / f"{SAMPLE}.en.po"
    po.write_text(po.read_text(encoding="utf-8").replace(*EDIT, 1), encoding="utf-8")


def pdfs(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "dist").glob("*.pdf"))}


def text_file(project: Path) -> Path:
    return project / ".cache" / "text" / f"{SAMPLE}.en.json"


def test_a_rebuild_measures_only_the_edited_paragraph(project, cli, monkeypatch,
                                                      fresh_process):
    text_file(project).unlink()  # measured by this build, and kept
    assert cli(project, "build", SAMPLE)[0] == 0
    first = pdfs(project)
    entries = json.loads(text_file(project).read_text(encoding="utf-8"))["entries"]
    assert entries["lines"] and entries["width"]

    # A new process, nothing changed: every width and line break comes from the file,
    # and the PDFs are the same bytes.
    monkeypatch.setattr(measure, "_MEMO", {})
    shaped = shaping(monkeypatch)
    assert cli(project, "build", SAMPLE)[0] == 0
    assert shaped == []
    assert pdfs(project) == first

    # One paragraph edited: only its words are shaped, and the file keeps only what this
    # build used (the old paragraph's line breaks are gone).
    monkeypatch.setattr(measure, "_MEMO", {})
    edit(project)
    assert cli(project, "build", SAMPLE)[0] == 0
    assert 0 < len(shaped) < 200
    assert any("streets" in text for text in shaped)
    assert not any("Potholed roads have" in text for text in shaped)
    stored = json.loads(text_file(project).read_text(encoding="utf-8"))["entries"]
    assert not any("Potholed roads have" in key for key in stored["lines"])
    assert any("Potholed streets have" in key for key in stored["lines"])

    # The same as a build that measures everything afresh.
    edited = pdfs(project)
    text_file(project).unlink()
    monkeypatch.setattr(measure, "_MEMO", {})
    assert cli(project, "build", SAMPLE)[0] == 0
    assert pdfs(project) == edited


def test_other_fonts_measure_everything_again(project, cli, monkeypatch, fresh_process):
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    monkeypatch.setattr(measure, "_MEMO", {})
    monkeypatch.setattr(measure.fonts, "fingerprint", lambda: "other fonts")
    measure._fingerprint.cache_clear()  # a fresh process with other fonts installed
    shaped = shaping(monkeypatch)
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    assert len(shaped) > 100


def test_a_damaged_text_cache_is_measured_again(project, cli, monkeypatch, fresh_process):
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    good = pdfs(project)
    for damage in ("{not json", '{"fingerprint": 1, "entries": []}', "[]"):
        text_file(project).write_text(damage, encoding="utf-8")
        monkeypatch.setattr(measure, "_MEMO", {})
        assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
        assert pdfs(project) == good
        json.loads(text_file(project).read_text(encoding="utf-8"))  # written again


def test_cut_fonts_are_kept_and_a_translation_edit_reuses_them(project, cli):
    fonts = project / ".cache" / "fonts"
    shutil.rmtree(fonts)
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    cut = {path.name: path.stat().st_ino for path in fonts.iterdir()}
    assert any(name.endswith(".cff") and (fonts / name).stat().st_size for name in cut)
    email = project / "dist" / f"{SAMPLE}.email.pdf"
    assert "CID Type 0C" in {font.type for font in pdftools.fonts(email)}

    # The edit brings no new Chinese character: the same cut fonts, read, not cut again
    # (a new cut is written to a new file).
    edit(project)
    assert cli(project, "build", SAMPLE, "--output", "email")[0] == 0
    assert {path.name: path.stat().st_ino for path in fonts.iterdir()} == cut
    assert "Potholed streets have" in pdftools.text(email)


@pytest.mark.unit
def test_a_process_with_threads_does_not_fork():
    # watch mode's file watcher is a thread: a forked child would lack it, and any
    # lock it held
    stop = threading.Event()
    watcher = threading.Thread(target=stop.wait)
    watcher.start()
    try:
        with fork.Forked(os.getpid, "asking") as child:
            assert child.pid is None
            assert child.result() == os.getpid()
    finally:
        stop.set()
        watcher.join()


def no_children() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


TWO_CORES = len(os.sched_getaffinity(0)) > 1


@pytest.fixture
def forking(monkeypatch):
    """Fork even when an earlier test left a thread behind (tqdm's monitor), which
    `fork.cores` rightly counts as a reason not to (test_a_process_with_threads_does_not_fork):
    these tests' own work takes no lock."""
    monkeypatch.setattr(fork, "cores", lambda: 2)


@pytest.mark.unit
def test_forked_work_returns_its_result_or_raises_its_error(forking):
    with fork.Forked(lambda: {"pages": 23, "pid": os.getpid()}, "counting") as child:
        assert child.pid is not None
        result = child.result()
    assert result == {"pages": 23, "pid": result["pid"]} and result["pid"] != os.getpid()

    def fails():
        raise InputError("no such photo", path="book/x.md", line=3, fix="add it")

    with fork.Forked(fails, "failing") as child, pytest.raises(InputError) as raised:
        child.result()
    assert str(raised.value) == "book/x.md:3: no such photo\n  fix: add it"

    def disk_full():
        raise OSError(errno.ENOSPC, "No space left on device", "dist/x.pdf")

    with fork.Forked(disk_full, "writing") as child, pytest.raises(OSError) as raised:
        child.result()
    assert (raised.value.errno, raised.value.filename) == (errno.ENOSPC, "dist/x.pdf")
    assert no_children()


@pytest.mark.unit
def test_an_error_here_stops_and_reaps_the_forked_work(tmp_path, forking):
    started, marker = tmp_path / "started", tmp_path / "cleaned"

    def slow():
        try:
            started.write_text("sleeping")
            time.sleep(600)
        except KeyboardInterrupt:
            marker.write_text("interrupted")  # the child unwinds as a Ctrl-C would
            raise
        marker.write_text("slept to the end")

    with pytest.raises(RuntimeError), fork.Forked(slow, "sleeping"):
        wait_for(started)
        raise RuntimeError("the parent's own write failed")
    # Stopped, not waited for (nor killed: that would leave no marker), and reaped.
    assert marker.read_text() == "interrupted"
    assert no_children()


def wait_for(path: Path, process: subprocess.Popen | None = None) -> None:
    """Until `path` exists; fails after a minute, or when `process` ends first."""
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process is None or process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"no {path} after a minute"
        time.sleep(0.01)


def test_photos_prepared_on_two_cores_are_those_prepared_on_one(project, tmp_path, forking):
    photos = project / "book" / SAMPLE / "photos"
    distinct_copy(photos / "01.jpg", photos / "02.jpg", "two")
    manuscript = project / "book" / SAMPLE / "source.zh.md"
    jobs = [PhotoJob(path, 60.0, spec.dpi, manuscript, 1, None, (0.5, 0.5))
            for spec in (SPECS["print"], SPECS["email"])
            for path in sorted(photos.iterdir())]
    (photos / "broken.jpg").write_bytes(b"\xff\xd8 not a photo")
    jobs.append(PhotoJob(photos / "broken.jpg", 60.0, None, manuscript, 9, None, (0.5, 0.5)))
    serial = prepare_each(jobs, tmp_path / "one")
    parallel = pipeline._prepare_on_all_cores(jobs, tmp_path / "two")
    assert len(parallel) == len(serial) == len(jobs)
    for one, two in zip(serial, parallel, strict=True):
        if isinstance(one, InputError):
            assert isinstance(two, InputError) and str(two) == str(one)
        else:
            assert two.path.name == one.path.name
            assert two.path.read_bytes() == one.path.read_bytes()
    assert no_children()


def test_the_email_pdf_is_written_by_a_forked_process(project, cli, monkeypatch, forking):
    writers = project / "writers"
    writers.mkdir()
    original = pipeline.write_layout

    def spy(layout, write):  # in whichever process writes it: a file says which
        (writers / write.name).write_text(str(os.getpid()))
        return original(layout, write)

    monkeypatch.setattr(pipeline, "write_layout", spy)
    code, _, err = cli(project, "build", SAMPLE)
    assert code == 0, err
    pids = {path.name: int(path.read_text()) for path in writers.iterdir()}
    # The print PDF here (the handout is imposed on it here, meanwhile), the email there.
    assert pids["print"] == os.getpid() != pids["email"]
    assert not Path(f"/proc/{pids['email']}").exists()  # and reaped
    assert no_children()
    assert len(pdfs(project)) == 3


SLOW_EMAIL = """
import os, sys, time
from pathlib import Path
from parabook import pipeline

def slow(data, cache=None):  # the email PDF's last step, in the forked process
    Path("child.pid.tmp").write_text(str(os.getpid()))
    os.replace("child.pid.tmp", "child.pid")
    time.sleep(60)
    return data

pipeline.shrink_cid_fonts = slow
from parabook.cli import main
sys.exit(main(["build", sys.argv[1]]))
"""


@pytest.mark.slow
@pytest.mark.skipif(not TWO_CORES, reason="no core to fork onto")
def test_ctrl_c_while_a_forked_process_writes_leaves_the_previous_pdfs(project, cli):
    assert cli(project, "build", SAMPLE)[0] == 0
    good = pdfs(project)
    edit(project)
    process = subprocess.Popen([sys.executable, "-c", SLOW_EMAIL, SAMPLE], cwd=project,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        wait_for(project / "child.pid", process)
        child = int((project / "child.pid").read_text())
        process.send_signal(signal.SIGINT)  # to the parent only, as `kill -INT` does
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert not Path(f"/proc/{child}").exists()  # stopped, not left writing
    assert pdfs(project) == good
    assert sorted(p.name for p in (project / "dist").iterdir()) == sorted(good)
    assert [p for p in (project / ".cache").rglob("*") if p.name.endswith(".tmp")] == []


def alive(pid: int) -> bool:
    """Running: a zombie (dead, not yet reaped by whoever adopted it) is not."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def hidden(project: Path) -> list[Path]:
    """What a build left that is not an output: staged PDFs, temporary files."""
    return ([p for p in (project / "dist").iterdir() if p.name.startswith(".")]
            + [p for p in (project / ".cache").rglob("*") if p.name.endswith(".tmp")])


@pytest.mark.slow
@pytest.mark.skipif(not TWO_CORES, reason="no core to fork onto")
def test_a_forked_process_dies_with_its_killed_parent_when_ctrl_c_is_ignored(project, cli,
                                                                           tmp_path):
    # A build started with `&` from a script ignores Ctrl-C, and so does its child. (Its
    # output goes to a file: a pipe would stay open as long as the child lives.)
    with (tmp_path / "err").open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", SLOW_EMAIL, SAMPLE], cwd=project, stdout=err, stderr=err,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    child = None
    try:
        wait_for(project / "child.pid", process)
        child = int((project / "child.pid").read_text())
        process.kill()  # kill -9: no `finally` of the parent runs
        process.wait(timeout=30)
        deadline = time.monotonic() + 5
        while alive(child):
            assert time.monotonic() < deadline, "the child outlived its parent"
            time.sleep(0.01)
    finally:
        if process.poll() is None:
            process.kill()
        if child is not None and alive(child):
            os.kill(child, signal.SIGKILL)
    assert cli(project, "build", SAMPLE)[0] == 0  # which clears what the killed one left
    assert hidden(project) == []


SWALLOWED_CTRL_C = """
import os, signal, sys
from parabook import pipeline

class Swallows:
    def __del__(self):  # what a __del__ raises, Python prints and drops
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, while the collector runs this
        for _ in range(1000):  # the handler runs here and raises KeyboardInterrupt
            pass

impose_saddle = pipeline.impose_saddle

def impose(*args):  # PyMuPDF's objects run such __del__s while the handout is imposed
    Swallows()
    return impose_saddle(*args)

pipeline.impose_saddle = impose
from parabook.cli import main
sys.exit(main(["build", sys.argv[1]]))
"""


@pytest.mark.slow
def test_a_ctrl_c_that_a_del_swallows_still_stops_the_build(project, cli):
    assert cli(project, "build", SAMPLE)[0] == 0
    good = pdfs(project)
    edit(project)
    result = subprocess.run([sys.executable, "-c", SWALLOWED_CTRL_C, SAMPLE], cwd=project,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 130, result.stderr
    # Not Python's "Exception ignored in: <function Swallows.__del__ ...>" either.
    assert result.stderr == "interrupted: nothing was half-written; run the command again\n"
    assert pdfs(project) == good
    assert hidden(project) == []


RETURNS = """
import signal, sys, time
from pathlib import Path
from parabook.cli import main

code = main(["build", sys.argv[1]])
signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C after this is not the build's
Path("returned").write_text(repr(time.monotonic()))
sys.exit(code)
"""


@pytest.mark.slow
def test_a_ctrl_c_at_any_point_of_a_build_stops_it_cleanly(project, cli):
    """Ctrl-C at random points of the build, after it started writing: each run exits
    130 and leaves the outputs complete (old or new) and nothing else."""
    edit(project)
    returned = project / "returned"

    def run(delay: float) -> tuple[subprocess.CompletedProcess, float, float]:
        """Build, with a Ctrl-C `delay` seconds after it starts writing; return the run,
        when the Ctrl-C was sent and when the command returned (inf: it did not)."""
        returned.unlink(missing_ok=True)
        process = subprocess.Popen([sys.executable, "-c", RETURNS, SAMPLE], cwd=project,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            deadline = time.monotonic() + 60
            while not list((project / "dist").glob(f".{SAMPLE}.*.tmp")):
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.002)
            time.sleep(delay)
            sent = time.monotonic()
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        ended = float(returned.read_text()) if returned.exists() else float("inf")
        return subprocess.CompletedProcess(process.args, process.returncode, out, err), \
            sent, ended

    started = time.monotonic()
    assert cli(project, "build", SAMPLE)[0] == 0
    seconds = time.monotonic() - started
    built = pdfs(project)  # the same build again writes the same bytes
    rng = random.Random(21)
    interrupted = 0
    for _ in range(5):
        result, sent, ended = run(rng.uniform(0, seconds / 2))
        if sent > ended:
            continue  # it had finished
        interrupted += 1
        assert result.returncode == 130, result.stderr
        assert "interrupted: nothing was half-written" in result.stderr
        assert "Traceback" not in result.stderr
        assert pdfs(project) == built
        assert hidden(project) == []
    assert interrupted >= 3


def test_a_killed_build_leaves_nothing_the_next_build_keeps(project, cli):
    """kill -9 skips every `finally`: the next build of the book clears its leftovers."""
    dist = project / "dist"
    dist.mkdir()
    leftovers = [dist / f".{SAMPLE}.print.pdf.a1b2.tmp",
                 dist / f".{SAMPLE}.handout.pdf.c3d4.tmp.impose-e5f6"]
    leftovers[0].write_bytes(b"%PDF-1.7 half")
    leftovers[1].mkdir()
    (leftovers[1] / "trimmed.pdf").write_bytes(b"%PDF")
    other = dist / f".{SAMPLE}-x10.print.pdf.zz.tmp"  # another book's: not ours to touch
    other.write_bytes(b"%PDF")
    assert cli(project, "build", SAMPLE)[0] == 0
    assert not any(path.exists() for path in leftovers)
    assert other.exists()


def test_the_outputs_are_replaced_all_or_none(project, cli):
    assert cli(project, "build", SAMPLE)[0] == 0
    good = pdfs(project)
    edit(project)
    (project / "dist" / f"{SAMPLE}.email.pdf").unlink()
    (project / "dist" / f"{SAMPLE}.email.pdf").mkdir()  # the last rename would fail
    code, _, err = cli(project, "build", SAMPLE)
    assert code == 1
    assert f"dist/{SAMPLE}.email.pdf: is a folder, not a PDF; move it away" in err
    for name in (f"{SAMPLE}.print.pdf", f"{SAMPLE}.handout.pdf"):  # not replaced either
        assert (project / "dist" / name).read_bytes() == good[name]
    assert [p for p in (project / "dist").iterdir() if p.name.startswith(".")] == []


def test_without_a_process_to_spare_the_build_runs_in_one(project, cli, monkeypatch):
    def no_fork():
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(fork, "cores", lambda: 2)
    monkeypatch.setattr(os, "fork", no_fork)
    code, _, err = cli(project, "build", SAMPLE)
    assert code == 0, err
    assert len(pdfs(project)) == 3


@pytest.mark.slow
def test_sigterm_during_a_build_cleans_up_like_ctrl_c(project, cli):
    assert cli(project, "build", SAMPLE)[0] == 0
    good = pdfs(project)
    edit(project)
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "build", SAMPLE],
                               cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        deadline = time.monotonic() + 60
        while not list((project / "dist").glob(f".{SAMPLE}.*.tmp")):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        process.terminate()  # SIGTERM, as `timeout`, `kill` or a cancelled CI job sends
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "interrupted: nothing was half-written" in err and "Traceback" not in err
    assert pdfs(project) == good
    assert [p for p in (project / "dist").iterdir() if p.name.startswith(".")] == []
