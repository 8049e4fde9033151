"""Build hook: ship the check docs (docs/lint/*.md) inside the package.

``oac lint --explain CODE`` reads ``obs_as_code/data/lint/CODE.md`` when
installed and ``docs/lint/CODE.md`` in a source checkout; the pages live once,
in docs/, and are copied into the wheel here. Everything else is in
pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup  # type: ignore[import-untyped]
from setuptools.command.build_py import build_py  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent


def copy_lint_docs(build_lib: str | Path) -> list[Path]:
    """Copy docs/lint/*.md into ``build_lib``/obs_as_code/data/lint/."""
    target = Path(build_lib) / "obs_as_code" / "data" / "lint"
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for page in sorted((HERE / "docs" / "lint").glob("*.md")):
        shutil.copy2(page, target / page.name)
        copied.append(target / page.name)
    return copied


class BuildWithLintDocs(build_py):  # type: ignore[misc]
    """``build_py`` that also copies the check docs."""

    def run(self) -> None:
        super().run()
        copy_lint_docs(self.build_lib)


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildWithLintDocs})
