"""The baseline: one plain WeasyPrint render of an HTML file, default options.

    python -m benchmarks.plain BOOKLET.html OUT.pdf BASE_URL

No parabook code runs (no justification patch, no fetcher, no post-processing).
"""

from __future__ import annotations

import sys

import weasyprint


def main(html: str, output: str, base_url: str) -> None:
    weasyprint.HTML(filename=html, base_url=base_url).write_pdf(output)


if __name__ == "__main__":
    main(*sys.argv[1:4])
