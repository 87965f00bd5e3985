"""Face work on the second core.

dlib keeps Python's GIL while it finds landmarks and computes descriptors,
so threads do not help. With FACE_HELPER_PROCESSES = 1 one helper
process (spawned on first use, loading the models once, about 250 MiB more
memory per web worker) shares a check's work with the request's thread:

* describe: the ResNet descriptor (about 140 ms a chip with dlib-bin) of
  every other chip;
* analyse_sequence: a camera capture's frames in contiguous parts, the
  later parts in the helpers (detection, landmarks and chips are about 12 ms
  a frame, so a 70-frame capture takes about half as long on two cores).

0 computes everything in the request's thread. Any helper failure falls back
to computing locally, so the pool can only make a check faster, never wrong.
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from registry.face import engine

log = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def _start_helper() -> None:
    engine.MODELS.get()


def _describe_many(chips: list[np.ndarray]) -> list[np.ndarray]:
    return [engine.describe_chip(chip) for chip in chips]


def _analyse_part(frames: list[np.ndarray], limits: engine.QualityLimits, detect_every: int,
                  offset: int) -> list[engine.FaceObservation] | tuple[str, dict]:
    """One part of a capture; a refusal comes back as (reason, details) with the capture's frame index."""
    try:
        return engine.analyse_sequence(frames, limits, detect_every)
    except engine.FaceRejected as refusal:
        details = dict(refusal.details)
        details["frame"] = int(details.get("frame", 0)) + offset
        return refusal.reason, details


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


def analyse_sequence(frames: list[np.ndarray], limits: engine.QualityLimits, detect_every: int,
                     processes: int) -> list[engine.FaceObservation]:
    """engine.analyse_sequence over helper processes: the first part here, the later ones there.

    Each part starts with a detection, so tracking never crosses a boundary.
    The earliest refusal (by frame) wins, as in one pass. Raises FaceRejected.
    """
    share = len(frames) // (processes + 1) if processes > 0 else 0
    if share < 2 * max(1, detect_every):
        return engine.analyse_sequence(frames, limits, detect_every)
    bounds = [i * share for i in range(processes + 1)] + [len(frames)]
    try:
        futures = [_get_pool(processes).submit(_analyse_part, frames[start:end], limits, detect_every, start)
                   for start, end in zip(bounds[1:-1], bounds[2:])]
        parts = [_analyse_part(frames[:bounds[1]], limits, detect_every, 0)]
        parts += [future.result(timeout=60) for future in futures]
    except Exception:  # a broken helper must not fail the check: compute here instead
        log.warning("face analysis helper failed; computing in process", exc_info=True)
        shutdown()
        return engine.analyse_sequence(frames, limits, detect_every)
    observations: list[engine.FaceObservation] = []
    for part in parts:
        if isinstance(part, tuple):
            reason, details = part
            raise engine.FaceRejected(reason, **details)
        observations.extend(part)
    return observations
