"""Shared helpers for the platform's alert modules."""

RUNBOOKS = "https://github.com/opencode-ai/observability/blob/main/docs/runbooks"


def runbook(page: str, anchor: str) -> str:
    """Link to a section of a runbook page under docs/runbooks/."""
    return f"{RUNBOOKS}/{page}.md#{anchor.lower()}"
