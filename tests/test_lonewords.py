"""No lone word on a non-final line while any other set of breaks avoids it (issue 14,
D1; what held the Chinese 14-character column back in issue 15, D14): every translation
of the sample and of the corpus, at measures from 100 to 320 pt, at the sizes the
booklet uses, justified and ragged. Where the line breaker leaves a lone word, a
search over all break sets must find none without one."""

from __future__ import annotations

import polib
import pytest

from parabook.typeset import linebreak
from parabook.typeset.linebreak import HYPHEN, SAFETY_PT, WORD_SPACING_EM, break_lines
from parabook.typeset.measure import shaped_width

from .conftest import copy_project
from .corpus import make_corpus

pytestmark = pytest.mark.slow

FAMILY = "Noto Serif"


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> list[str]:
    """Every translation of two lines or more in the sample and the corpus books."""
    root = copy_project(tmp_path_factory.mktemp("texts"))
    make_corpus(root)
    found = {entry.msgstr for po in sorted((root / "translations").glob("*.en.po"))
             for entry in polib.pofile(str(po)) if len(entry.msgstr) > 60}
    return sorted(found)


def _lone_free_exists(text: str, width: float, size: float, ragged: bool) -> bool:
    """Whether some set of breaks (any, however loose) has no lone word but on the
    last line: every line fits the measure as the breaker measures it."""
    pieces = linebreak._pieces(text, FAMILY, size, "en")
    normal = shaped_width(" ", FAMILY, size)
    space = normal if ragged else normal + WORD_SPACING_EM * size
    hyphen = shaped_width(HYPHEN, FAMILY, size)
    room = width - SAFETY_PT
    reachable = [True] + [False] * len(pieces)
    for end in range(1, len(pieces) + 1):
        last = end == len(pieces)
        broken = not pieces[end - 1].space_after and not last
        natural = hyphen if broken and pieces[end - 1].adds_hyphen else 0.0
        spaces = 0
        for start in range(end - 1, -1, -1):
            natural += pieces[start].width
            if start < end - 1 and pieces[start].space_after:
                natural += space
                spaces += 1
            if natural > room:
                break
            if reachable[start] and (spaces or last):
                reachable[end] = True
                break
    return reachable[-1]


@pytest.mark.parametrize("size", [9.0, 9.5])
def test_a_lone_word_only_where_no_other_breaks_exist(texts: list[str], size: float) -> None:
    assert len(texts) > 40
    found = []
    # Every 12 pt, the two sizes 6 pt apart (190 pt at 9.5 pt set "With" alone once).
    for width in range(100 + 6 * (size == 9.5), 321, 12):
        for ragged in (False, True):
            for text in texts:
                lines = break_lines(text, float(width), size=size, lang="en", ragged=ragged)
                if lines is None:
                    continue  # a word wider than the measure: WeasyPrint's to set
                lone = [line.text for line in lines[:-1] if " " not in line.text.strip()]
                if lone and _lone_free_exists(text, float(width), size, ragged):
                    found.append((width, ragged, lone, text[:40]))
    assert found == []
