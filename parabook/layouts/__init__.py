"""How a document is arranged on the page: one strategy per `layout` in `book.yaml`.

A layout is its name, its part of the booklet (`templates/layouts/<name>.html.j2`,
included by `templates/booklet.html.j2`, which keeps the cover, the contents, the
colophon and the page furniture common), its rules (`styles/layouts/<name>.css`,
linked after `styles/booklet.css`), and its plan: what only it needs, computed from
the paired document and the page before rendering (the parallel column split, say).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from parabook.layouts import facing, parallel, stacked
from parabook.model import Document, LayoutPlan
from parabook.typeset.measure import text_width_pt


@dataclass(frozen=True)
class Layout:
    """One arrangement of the source and its translation."""

    name: str
    """As `book.yaml` writes it: `layout: parallel`."""
    plan: Callable[[Document, float], LayoutPlan]
    """(document, text width in points) -> what this layout's template reads."""

    @property
    def template(self) -> str:
        """Its part of the booklet, relative to `templates/`."""
        return f"layouts/{self.name}.html.j2"

    @property
    def stylesheet(self) -> str:
        """Its rules, relative to `styles/`."""
        return f"layouts/{self.name}.css"


LAYOUTS: dict[str, Layout] = {
    layout.name: layout for layout in (Layout("parallel", parallel.plan),
                                       Layout("stacked", stacked.plan),
                                       Layout("facing", facing.plan))}
"""Every layout by name: the values `book.yaml` accepts for `layout`."""


def plan_layout(document: Document) -> LayoutPlan:
    """The plan of the document's layout (`book.yaml`'s `layout`) for its page size."""
    layout = LAYOUTS[document.meta.layout]
    return layout.plan(document, text_width_pt(document.meta.page_size))
