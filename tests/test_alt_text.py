"""A figure's own alt text (`alt=` in its options, issue 15): the email PDF's figure
carries it instead of the caption; it is read last, kept when the manuscript is written
back, and an empty one is an error with file:line."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from parabook.errors import InputError
from parabook.source.manuscript import _figure_title, figure_options

from .conftest import SAMPLE, build

pytestmark = pytest.mark.integration

ALT = "两位志愿者在社区门口为居民测量血压"


def _alts(pdf: Path) -> list[str]:
    with pikepdf.open(pdf) as document:
        return [str(obj.Alt) for obj in document.objects if isinstance(obj, pikepdf.Dictionary)
                and obj.get("/S") == "/Figure" and "/Alt" in obj]


def test_a_figures_alt_text_goes_to_the_tagged_pdf(tiny_project: Path) -> None:
    source = tiny_project / "book" / SAMPLE / "source.zh.md"
    before = _alts(build(tiny_project, "--output", "email").pdf("email"))
    assert len(before) == 1 and "红歌颂党" in before[0]  # the caption, by default
    text = source.read_text(encoding="utf-8").replace(
        "(photos/01.jpg)", f'(photos/01.jpg "full alt={ALT}")')
    source.write_text(text, encoding="utf-8")
    assert _alts(build(tiny_project, "--output", "email").pdf("email")) == [ALT]


@pytest.mark.unit
def test_alt_is_the_rest_of_the_options_and_round_trips(tmp_path: Path) -> None:
    options = figure_options('half crop=3:2 alt=A "quoted" view  of it', tmp_path, 4)
    assert options == {"width": "half", "crop": (3, 2), "alt": 'A "quoted" view of it'}
    from parabook.model import Figure
    title = _figure_title(Figure("说明", "photos/01.jpg", 4, **options))
    assert title == ' "half crop=3:2 alt=A \\"quoted\\" view of it"'
    for bad in ("alt=", "half alt=  ", "halfalt=text"):
        with pytest.raises(InputError) as error:
            figure_options(bad, tmp_path / "source.zh.md", 7)
        assert "alt=" in str(error.value) and ":7" in str(error.value)
