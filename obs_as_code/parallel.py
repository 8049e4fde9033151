"""Serialize artifacts in several processes (``oac build --jobs N``).

Serialization is the largest single stage of a big build and each artifact is
independent, so forked workers (which inherit the rendered data, nothing is
pickled on the way in) return the bytes. Output is identical: the same
serializer runs, only elsewhere. Off by default: on a machine whose cores are
already busy the fork and the transfer cost more than they save (see
``benchmarks/results.json``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence

from obs_as_code.artifacts import Artifact

#: Below this many artifacts a pool costs more than it saves.
MIN_ARTIFACTS = 16

_WORK: Sequence[Artifact] = ()


def _content(index: int) -> bytes:
    return _WORK[index].content


def default_jobs() -> int:
    """``OAC_JOBS`` from the environment (0 means one per core), else 1."""
    raw = os.environ.get("OAC_JOBS", "1")
    try:
        jobs = int(raw)
    except ValueError:
        return 1
    return (os.cpu_count() or 1) if jobs <= 0 else jobs


def serialize_all(artifacts: Sequence[Artifact], jobs: int) -> None:
    """Fill in every artifact's serialized content, using ``jobs`` processes."""
    global _WORK
    todo = [a for a in artifacts if a._content is None]
    if jobs <= 1 or len(todo) < MIN_ARTIFACTS or "fork" not in multiprocessing.get_all_start_methods():
        for artifact in todo:
            _ = artifact.content
        return
    _WORK = todo
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            chunk = max(1, len(todo) // (jobs * 4))
            for artifact, content in zip(todo, pool.map(_content, range(len(todo)), chunksize=chunk), strict=True):
                artifact._content = content
    finally:
        _WORK = ()
