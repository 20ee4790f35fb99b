"""The shipped gunicorn.conf.py's worker hook: after a worker builds the app, what it holds is frozen out of the
garbage collector's full collections (a full collection of ~180,000 objects costs about 90 ms on whichever
request triggers it)."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_worker_freezes_what_it_holds_once_the_app_is_built():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    built = [object() for _ in range(1000)]  # stands for what the worker built: alive when the hook runs
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() >= len(built)
        assert gc.get_count()[0] < 100  # the young generation was collected first, then frozen
    finally:
        gc.unfreeze()
