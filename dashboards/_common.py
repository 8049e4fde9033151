"""What every opencode dashboard shares: the datasource picker, alert and deploy
annotations, links between the dashboards and their tag."""

from typing import Any

from obs_as_code.dashboards import kit as k

TAG = "opencode"
API = 'job="opencode-api"'


def standard_variables() -> list[Any]:
    return [k.datasource_var()]


def standard_annotations() -> list[Any]:
    return [k.alerts_annotation(), k.deploys_annotation()]


def standard_links() -> list[Any]:
    return [
        k.link_dashboards(TAG, "opencode dashboards"),
        k.link_url("Runbooks", "https://runbooks.opencode.dev/"),
    ]
