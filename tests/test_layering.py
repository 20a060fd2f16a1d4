"""The packages keep the layering the design intends, checked by import-linter's contracts.

The contracts live in pyproject.toml (``[tool.importlinter]``): analysis and training import
no other package of ours, the store nothing above it, only the command line imports the command
line, no two subpackages of dfew_build import each other in a cycle, the campaign builds on the
store and analysis only, and the app reaches dfew_build through the campaign and the store.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "lint-imports missing: pip install -e '.[test]' installs import-linter"
    result = subprocess.run(
        [lint_imports, "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout
