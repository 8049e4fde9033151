"""Use several cores in one build (``oac build --jobs N``).

Checks run in a forked child while this process renders (:func:`in_child`), and
serialization can be spread over a pool (:func:`serialize_all`).

Serialization is the largest single stage of a big build and each artifact is
independent, so forked workers (which inherit the rendered data, nothing is
pickled on the way in) return the bytes. Output is identical: the same
serializer runs, only elsewhere. Off by default: on a machine whose cores are
already busy the fork and the transfer cost more than they save (see
``benchmarks/results.json``).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from typing import TypeVar

from obs_as_code.artifacts import Artifact

#: Below this many artifacts a pool costs more than it saves.
MIN_ARTIFACTS = 16

_WORK: Sequence[Artifact] = ()

T = TypeVar("T")


def can_fork() -> bool:
    """True where a forked child inherits this process's state cheaply and safely."""
    import multiprocessing  # lazily: `oac build` reads default_jobs() at start-up

    return hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods()


def in_child(fn: Callable[[], T]) -> Callable[[], T]:
    """Start ``fn()`` in a forked child; the returned function waits for its value.

    The child inherits the loaded project (nothing is pickled on the way in); only
    the result comes back, pickled through a pipe. Should the child fail in any way,
    the wait runs ``fn()`` here instead, so the caller sees the same result or the
    same exception as without a child. Without ``fork`` it just calls ``fn()``.
    """
    if not can_fork():
        return fn
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 1
        try:
            os.close(read_end)
            payload = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            code = 0
        finally:
            os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
    os.close(write_end)

    def wait() -> T:
        with os.fdopen(read_end, "rb") as source:
            payload = source.read()
        _pid, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0 and payload:
            value: T = pickle.loads(payload)
            return value
        return fn()

    return wait


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
    if jobs <= 1 or len(todo) < MIN_ARTIFACTS or not can_fork():
        for artifact in todo:
            _ = artifact.content
        return
    import multiprocessing  # here: a one-process build need not import it (~8 ms)

    _WORK = todo
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            chunk = max(1, len(todo) // (jobs * 4))
            for artifact, content in zip(todo, pool.map(_content, range(len(todo)), chunksize=chunk), strict=True):
                artifact._content = content
    finally:
        _WORK = ()
