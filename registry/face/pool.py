"""Descriptors on the second core.

dlib keeps Python's GIL while it computes, so threads do not help; the
ResNet descriptor is most of a check's time (about 65 ms a frame). With
FACE_DESCRIPTOR_PROCESSES = 1 one helper process (spawned on first use,
loading the weights once) computes every other frame's descriptor while the
request's thread computes the rest: a 10-frame check then takes roughly 60 %
of the time on two cores, for about 150 MiB more memory per web worker.
0 computes everything in the request's thread. Any helper failure falls back
to computing locally, so the pool can only make a check faster, never wrong.
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from registry.face import engine

log = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


_helper_encoder = None


def _start_helper() -> None:
    # Only the ResNet: the helper never detects or finds landmarks, and the
    # 68-point model alone is about 100 MB in memory.
    global _helper_encoder

    import dlib  # noqa: PLC0415 - dlib loads native code and models; only when a face is checked

    _helper_encoder = dlib.face_recognition_model_v1(os.path.join(engine.models_folder(), engine.DESCRIPTOR_FILE))


def _describe_many(chips: list[np.ndarray]) -> list[np.ndarray]:
    if _helper_encoder is None:  # in the request's own process
        return [engine.describe_chip(chip) for chip in chips]
    return [np.array(_helper_encoder.compute_face_descriptor(chip, 0), dtype=np.float64) for chip in chips]


def _get_pool(processes: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != processes:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            # spawn, not fork: the web server has threads, and fork would copy their locks.
            _pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_helper)
            _pool_size = processes
        return _pool


def shutdown() -> None:
    """Stop the helper processes (at exit, and in tests)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


atexit.register(shutdown)


def warm_up(processes: int) -> None:
    """Start the helpers ahead of the first check (they load the weights, about a second)."""
    if processes > 0:
        _get_pool(processes).submit(_describe_many, []).result(timeout=120)


def describe(chips: list[np.ndarray], processes: int) -> list[np.ndarray]:
    """Descriptors of face chips, in order, spreading the work over helper processes."""
    if processes <= 0 or len(chips) < 2:
        return _describe_many(chips)
    share = len(chips) // (processes + 1)
    remote_parts = [chips[i * share:(i + 1) * share] for i in range(processes)]
    local = chips[processes * share:]
    try:
        futures = [_get_pool(processes).submit(_describe_many, part) for part in remote_parts]
        local_results = _describe_many(local)
        remote_results = [result for future in futures for result in future.result(timeout=60)]
    except Exception:  # a broken helper must not fail the check: compute here instead
        log.warning("face descriptor helper failed; computing in process", exc_info=True)
        shutdown()
        return _describe_many(chips)
    return remote_results + local_results
