"""``oac import``: turn existing files into Python modules. Subcommands are added
here and by other parts of the package with ``import_group.add_command``.

(Minimal version from the SLO branch: the dashboards branch owns this file; on
merge keep theirs and the two ``add_command`` lines below.)
"""

from __future__ import annotations

import click

from obs_as_code.cli.import_slo_cmd import import_openslo, import_sloth


@click.group("import")
def import_group() -> None:
    """Turn existing dashboards, rules and SLO specs into Python modules."""


import_group.add_command(import_sloth)
import_group.add_command(import_openslo)
