"""The cover and two spreads, compared with golden images.

On a failure the actual, expected and difference images are written to
tests/golden/failed/ for a person to look at. After a deliberate change of the
design, `UPDATE_GOLDEN=1 make test` writes new golden images; commit them.
"""

from __future__ import annotations

import os
import shutil

import pytest
from PIL import Image, ImageChops

from parabook.output.preview import render_spreads

from .conftest import REPO, SAMPLE, build, copy_project

GOLDEN = REPO / "tests" / "golden"
FAILED = GOLDEN / "failed"
SPREADS = ("01-cover", "02-pages-2-3", "03-pages-4-5")
DPI = 40
# Anti-aliasing and font hinting may move a few pixels; a changed word or a
# shifted line moves thousands.
MAX_MEAN = 1.5
MAX_CHANGED = 0.004


@pytest.fixture(scope="module")
def spreads(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("golden"))
    pdf = build(root, "--output", "email").pdf("email")
    return {path.stem.removeprefix(f"{SAMPLE}-"): path
            for path in render_spreads(pdf, root / "preview", SAMPLE, DPI)}


@pytest.mark.parametrize("name", SPREADS)
def test_spread_matches_its_golden_image(spreads, name):
    actual_path = spreads[name]
    expected_path = GOLDEN / f"{name}.png"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not expected_path.exists():
        if not expected_path.exists() and os.environ.get("UPDATE_GOLDEN") != "1":
            pytest.fail(f"no golden image {expected_path}: run UPDATE_GOLDEN=1 make test")
        shutil.copy(actual_path, expected_path)
        return
    actual = Image.open(actual_path).convert("RGB")
    expected = Image.open(expected_path).convert("RGB")
    problem = None
    if actual.size != expected.size:
        problem = f"size {actual.size} is not {expected.size}"
    else:
        diff = ImageChops.difference(actual, expected).convert("L")
        histogram = diff.histogram()
        pixels = actual.width * actual.height
        mean = sum(level * count for level, count in enumerate(histogram)) / pixels
        changed = sum(histogram[48:]) / pixels
        if mean > MAX_MEAN or changed > MAX_CHANGED:
            problem = f"mean difference {mean:.2f}, {changed:.2%} of pixels changed"
    if problem:
        FAILED.mkdir(exist_ok=True)
        actual.save(FAILED / f"{name}.actual.png")
        expected.save(FAILED / f"{name}.expected.png")
        if actual.size == expected.size:
            ImageChops.invert(ImageChops.difference(actual, expected)).save(
                FAILED / f"{name}.diff.png")
        pytest.fail(f"{name}: {problem}; see {FAILED}")
