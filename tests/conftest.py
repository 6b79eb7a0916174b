from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from parabook.cli import main

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seed" / "chuzhou-2021.zh.txt"
SAMPLE = "chuzhou-2021"


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
