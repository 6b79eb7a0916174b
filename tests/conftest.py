"""Fixtures shared by the tests, and their tiers (see tests/README.md).

Every test is in one tier: `unit` (builds nothing), `integration` (builds the tiny book,
or a few pages of HTML), `slow` (end to end on the full sample, fuzzing, machine
translation runs, and whatever runs the command in processes of its own: a second or
two each for Python to start). `make test-fast` runs all but the slow ones.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from parabook.cli import main

from .photogen import add_photos, camera_photo

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seed" / "chuzhou-2021.zh.txt"
SAMPLE = "chuzhou-2021"

TIERS = ("unit", "integration", "slow")
FILE_TIERS = {
    # A test's own marker wins; a test that reads `sample_build` is slow.
    "test_build.py": "integration",
    "test_fuzz.py": "slow",
    "test_floats.py": "slow",
    "test_lonewords.py": "slow",
    "test_running_heads.py": "integration",
    "test_alt_text.py": "integration",
    "test_excerpt.py": "slow",
    "test_facing.py": "slow",
    "test_printfile.py": "slow",
    "test_composition.py": "integration",
    "test_fuzz_render.py": "slow",
    "test_linebreaking.py": "slow",
    "test_preflight.py": "integration",
    "test_fuzz_xliff.py": "slow",
    "test_gate.py": "slow",
    "test_geometry.py": "slow",
    "test_german.py": "slow",
    "test_golden.py": "slow",
    "test_import.py": "unit",
    "test_import_corpus.py": "unit",
    "test_import_docx.py": "unit",
    "test_import_html.py": "unit",
    "test_impose.py": "integration",
    "test_justify.py": "integration",
    "test_layouts.py": "integration",
    "test_llm.py": "slow",
    "test_machine.py": "slow",
    "test_manuscript.py": "unit",
    "test_merge.py": "unit",
    "test_newcomer.py": "integration",
    "test_numbers.py": "unit",
    "test_outputs.py": "integration",
    "test_pdf_sandbox.py": "slow",
    "test_photos.py": "unit",
    "test_qa.py": "unit",
    "test_review.py": "unit",
    "test_reviewapp.py": "integration",
    "test_reviewapp_browser.py": "slow",
    "test_robustness.py": "unit",
    "test_service.py": "integration",
    "test_shrink.py": "slow",
    "test_speed.py": "integration",
    "test_translations.py": "unit",
    "test_typography.py": "slow",
    "test_waivers.py": "integration",
    "test_watch.py": "slow",
    "test_weasy.py": "slow",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unsorted: set[str] = set()
    for item in items:
        if any(item.get_closest_marker(tier) for tier in TIERS):
            continue
        tier = "slow" if "sample_build" in getattr(item, "fixturenames", ()) \
            else FILE_TIERS.get(item.path.name)
        if tier is None:
            unsorted.add(item.path.name)
        else:
            item.add_marker(tier)
    if unsorted:
        raise pytest.UsageError(
            f"tests/conftest.py: no tier for {', '.join(sorted(unsorted))}; add the file to "
            f"FILE_TIERS, or mark each of its tests with one of: {', '.join(TIERS)}")


def copy_project(target: Path) -> Path:
    """A throwaway copy of the repository's book, templates, styles and translations."""
    for name in ("book", "templates", "styles", "translations"):
        shutil.copytree(REPO / name, target / name)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture
def cli(capsys):
    """Run the command line in a project; return (exit code, stdout, stderr)."""
    def run(root: Path, *args: str) -> tuple[int, str, str]:
        code = main(list(args), root=root)
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


@dataclass(frozen=True)
class Built:
    """A book built in a throwaway project, for tests to read and never change."""

    root: Path
    """The project it was built in."""
    out: str
    """What the build printed: the outputs written, their pages, the column split."""
    err: str
    """Its warnings."""

    def pdf(self, output: str) -> Path:
        return self.root / "dist" / f"{SAMPLE}.{output}.pdf"


def build(root: Path, *args: str) -> Built:
    """`build.py build <sample> ARGS` in `root`, in this process; it must succeed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(["build", SAMPLE, *args], root=root)
    assert code == 0, err.getvalue()
    return Built(root, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Built:
    """The sample with camera-like photos (`photogen.add_photos`), its three outputs built
    once for the whole run. Tests that only read a full build of the sample use it."""
    root = copy_project(tmp_path_factory.mktemp("sample"))
    add_photos(root)
    return build(root)


def make_tiny(target: Path, photo: Path | None, cache: Path | None = None) -> Path:
    """A copy of the project whose book is tiny: the sample's opening up to the paragraph
    under its first heading (three paragraphs, a heading), and its first figure, all of
    them in the sample's translation. `photo` is the figure's file (None: it is missing);
    `cache` is copied as its `.cache` (`tiny_cache`: what an earlier build of it left)."""
    copy_project(target)
    source = target / "book" / SAMPLE / "source.zh.md"
    blocks = source.read_text(encoding="utf-8").split("\n\n")
    heading = next(n for n, block in enumerate(blocks) if block.startswith("## "))
    figure = next(block for block in blocks if block.startswith("!["))
    source.write_text("\n\n".join([*blocks[:heading + 2], figure]) + "\n", encoding="utf-8")
    if photo is not None:
        shutil.copy(photo, target / "book" / SAMPLE / "photos" / "01.jpg")
    if cache is not None:
        shutil.copytree(cache, target / ".cache", ignore=shutil.ignore_patterns("locks"))
    return target


@pytest.fixture(scope="session")
def camera_jpeg_file(tmp_path_factory) -> Path:
    """One 12-megapixel camera photo (`photogen.camera_photo`), made once per run."""
    path = tmp_path_factory.mktemp("camera") / "01.jpg"
    camera_photo(path, shade=30)
    return path


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory, camera_jpeg_file: Path) -> Path:
    """The `.cache` of the tiny book built once with its three outputs: its photos
    prepared, its fonts cut, its text measured."""
    return build(make_tiny(tmp_path_factory.mktemp("tiny"), camera_jpeg_file)).root / ".cache"


@pytest.fixture
def tiny_project(tmp_path: Path, camera_jpeg_file: Path, tiny_cache: Path) -> Path:
    """A throwaway project whose book is tiny (`make_tiny`), reviewed, with its photo and
    the caches an earlier build left, as a person's project has after its first build (a
    test of a cold build deletes `.cache`). It builds in about a second."""
    return make_tiny(tmp_path / "tiny", camera_jpeg_file, tiny_cache)
