"""The fence around WeasyPrint (parabook.typeset.weasy): the only module that imports it,
and what the command line says when WeasyPrint cannot start.

The failures are made in a subprocess that starts build.py as `python build.py` would:
another WeasyPrint release (its version changed before parabook imports it), a system
library the loader cannot open (cffi's dlopen refusing it, as it does when the file is
missing) and a Python without the project's packages (`-S`: no site-packages).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUN_BUILD = """
import runpy, sys
sys.argv = ["build.py", "--help"]
runpy.run_path("build.py", run_name="__main__")
"""


def build(prelude: str, *flags: str) -> subprocess.CompletedProcess:
    """`build.py --help` run after `prelude`, in a fresh Python."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, *flags, "-c", prelude + RUN_BUILD], cwd=REPO,
                          env=env, capture_output=True, text=True, check=False)


def test_another_weasyprint_release_is_a_setup_error():
    result = build("import weasyprint\nweasyprint.__version__ = '71.0'\n")
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("error: parabook uses private layout functions of "
                                    "WeasyPrint 70.0, but WeasyPrint 71.0 is installed: "
                                    "pin weasyprint==70.0\n")
    assert "  fix: run: .venv/bin/python -m pip install weasyprint==70.0" in result.stderr
    assert "make booklet" in result.stderr
    assert "Traceback" not in result.stderr


MISSING_PANGO = """
import cffi

loader = cffi.FFI.dlopen


def dlopen(self, name, *args):
    if "pango-1.0" in str(name):
        raise OSError(f"cannot load library {name!r}: {name}: cannot open shared object "
                      "file: No such file or directory")
    return loader(self, name, *args)


cffi.FFI.dlopen = dlopen
"""


def test_a_missing_system_library_is_named_with_its_package():
    result = build(MISSING_PANGO)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith(
        "error: WeasyPrint cannot load Pango (libpango-1.0-0): cannot load library "
        "'libpango-1.0.so.0'")
    assert ("  fix: run: sudo apt-get install -y libpango-1.0-0  (or run `make booklet` "
            "as root") in result.stderr
    assert "Traceback" not in result.stderr
    # WeasyPrint's own banner about its installation guide is not shown.
    assert result.stdout == ""


def test_a_missing_python_package_is_named():
    result = build("", "-S")
    assert result.returncode == 1, result.stderr
    assert re.match(r"error: No module named '\w+' \(in .*python", result.stderr)
    assert "  fix: run `make booklet` once, then use .venv/bin/python build.py" in result.stderr
    assert "Traceback" not in result.stderr


# What only the fence may use: WeasyPrint's modules other than its public package.
PRIVATE = re.compile(r"^\s*(from|import) weasyprint\b|weasyprint\.(layout|text|formatting_"
                     r"structure|images|pdf|draw|css|document|stacking)\b|\b_page_box\b",
                     re.MULTILINE)


def test_only_the_fence_imports_weasyprint():
    fence = REPO / "parabook" / "typeset" / "weasy.py"
    files = [REPO / "build.py", *sorted((REPO / "parabook").rglob("*.py"))]
    outside = [f"{path.relative_to(REPO)}: {match.group(0).strip()}" for path in files
               if path != fence
               for match in PRIVATE.finditer(path.read_text(encoding="utf-8"))]
    assert not outside
    assert PRIVATE.search(fence.read_text(encoding="utf-8"))


def test_a_layout_leaves_weasyprint_as_it_found_it(tmp_path):
    """The build justifies Chinese inside `lay_out` only: WeasyPrint's own functions are
    back after it, and a document rendered then is justified as WeasyPrint does."""
    from parabook.render.pdf import lay_out
    from parabook.typeset import justify, weasy

    own = weasy.inline.justify_line, weasy.inline.add_word_spacing
    html = ('<p lang="zh-CN" style="width: 31mm; text-align: justify; font-size: 10pt">'
            + "滁州经开区城北新区办事处" * 8 + "</p>")
    inside = lay_out(html, base_dir=tmp_path, allowed=[tmp_path]).document.write_pdf()
    assert (weasy.inline.justify_line, weasy.inline.add_word_spacing) == own
    with justify.installed():
        justified = weasy.HTML(string=html).write_pdf()
    plain = weasy.HTML(string=html).write_pdf()
    assert inside == justified != plain
