"""Demo meetings for `make run`: invented, on example.org, loaded after the directory (see seeds/demo.py)."""

from __future__ import annotations


def load() -> None:
    """Add the demo meetings. Called once, inside load_demo's transaction, after the people and schools exist."""
