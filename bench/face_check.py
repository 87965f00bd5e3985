"""Benchmark of the embedded face check.

Prints the median and p95 wall time of one whole check of uploaded frames
(10 frames of 640x480 JPEG: decoding, quality gates, landmarks, descriptors,
liveness and the match), of one camera capture on a plan (a synthesized
genuine capture, tests/factories/face_capture.py: flash with 2 actions and
steady with 3, 360x270 JPEG every 100 ms: timing, detection every few frames
with tracking, landmarks on every frame, continuity, reflected light, actions
in their windows, 5 descriptors, the match) and of one single-frame match,
the model load time and the peak memory of this process with the models
loaded, against the targets (whole check <= 1.5 s, single match <= 200 ms).

    .venv/bin/python bench/face_check.py [--runs 20]

The frames are real photos from the test-data cache (tests/face/photos.py
downloads them from the package index on first use).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TARGETS = {"whole check (10 frames)": 1.5, "camera capture": 1.5, "single-frame match": 0.200}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def helper_rss_mib(pool_module) -> list[float]:
    """Current RSS of the descriptor helper processes (ru_maxrss of children would
    report the parent's size at fork time, before the helper's exec)."""
    executor = pool_module._pool
    sizes = []
    for pid in list(getattr(executor, "_processes", {}) or {}):
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--processes", type=int, nargs="+", default=[0, 1],
                        help="FACE_HELPER_PROCESSES values to measure (default: 0 and 1)")
    parser.add_argument("--full", action="store_true", help="50 runs per measure")
    args = parser.parse_args()
    if args.full:
        args.runs = max(args.runs, 50)
    import random

    from flask import Flask
    from report import figure  # noqa: PLC0415 - bench/report.py, beside this script

    from registry.face import engine, pool
    from registry.face.challenge_plan import draw_plan
    from registry.face.imaging import FRAME_FORMATS, decode_image
    from registry.face.providers import CheckRequest, EmbeddedProvider
    from registry.face.settings import DEFAULTS
    from tests.factories import face_capture as FC
    from tests.factories import photos as P

    with open("/proc/loadavg") as handle:
        load_start = handle.read().split()[0]
    rss_before = rss_mib()
    started = time.perf_counter()
    engine.MODELS.get()
    load_seconds = time.perf_counter() - started

    provider = EmbeddedProvider()
    poses = [P.FRONTAL] * 3 + [P.TURNED_RIGHT] * 3 + [P.FRONTAL] + [P.TURNED_LEFT] * 3
    frames = P.frames(*poses)
    limits = engine.QualityLimits(DEFAULTS["FACE_DETECTION_MIN_SCORE"], DEFAULTS["FACE_MIN_FACE_PIXELS"],
                                  DEFAULTS["FACE_MIN_FACE_FRACTION"], DEFAULTS["FACE_MIN_BRIGHTNESS"],
                                  DEFAULTS["FACE_MAX_BRIGHTNESS"], DEFAULTS["FACE_MIN_SHARPNESS"])
    rows = []
    helpers: list[float] = []
    for processes in args.processes:
        app = Flask("face-bench")
        app.config["FACE_HELPER_PROCESSES"] = processes
        with app.app_context():
            pool.warm_up(processes)
            reference = provider.enroll(P.photo_bytes()["obama3.jpg"]).template
            request = CheckRequest(frames=frames, actions=("turn_right", "turn_left"), reference_template=reference,
                                   purpose="check_in")
            first = provider.check(request)
            assert first.passed, (first.reason, first.scores)
            whole, cpu = [], []
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                provider.check(request)
                whole.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            helper_label = f"{processes} helper{'s' if processes != 1 else ''}"
            rows.append((f"whole check (10 frames), {helper_label}", whole, TARGETS["whole check (10 frames)"], cpu))
            for kind, actions in (("flash", ("turn_right", "blink")), ("steady", ("open_mouth", "turn_left", "blink"))):
                plan = draw_plan(actions, kind, random.Random(7))
                capture, capture_times = FC.genuine_capture(plan, seed=7)
                camera = CheckRequest(frames=capture, actions=actions, reference_template=reference,
                                      purpose="check_in", plan=plan, times_ms=tuple(capture_times))
                first = provider.check(camera)
                assert first.passed, (first.reason, first.scores)
                timed, timed_cpu = [], []
                for _ in range(args.runs):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    provider.check(camera)
                    timed.append(time.perf_counter() - started)
                    timed_cpu.append(time.process_time() - started_cpu)
                rows.append((f"camera {kind} ({len(capture)} frames), {helper_label}", timed,
                             TARGETS["camera capture"], timed_cpu))
        helpers = helper_rss_mib(pool) or helpers
    template = engine.unpack_descriptor(reference)
    single, single_cpu = [], []
    for _ in range(args.runs * 3):
        started, started_cpu = time.perf_counter(), time.process_time()
        pixels = decode_image(frames[0], formats=FRAME_FORMATS, max_bytes=DEFAULTS["FACE_MAX_FRAME_BYTES"],
                              max_pixels=DEFAULTS["FACE_MAX_IMAGE_PIXELS"], max_side=DEFAULTS["FACE_FRAME_MAX_SIDE"])
        engine.distance(template, engine.analyse(pixels, limits).descriptor)
        single.append(time.perf_counter() - started)
        single_cpu.append(time.process_time() - started_cpu)
    rows.append(("single-frame match", single, TARGETS["single-frame match"], single_cpu))

    rss_after = rss_mib()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pool.shutdown()
    with open("/proc/loadavg") as handle:
        load = handle.read().split()[0]
    print(f"engine: {engine.engine_version()}  cpus: {os.cpu_count()}  load average at start/end: {load_start}/{load}")
    print(f"model load (once per process): {load_seconds * 1000:.0f} ms")
    # CPU time of this process is what the check costs on an idle core; wall
    # time also includes waiting for the CPU when other jobs share the machine.
    print(f"{'measure':<40}{'runs':>6}{'median':>10}{'p95':>10}{'target':>10}{'p95/target':>12}{'cpu median':>12}")
    failed = False
    for name, values, target, cpu_values in rows:
        median, p95 = statistics.median(values), percentile(values, 0.95)
        failed |= median > target
        print(f"{name:<40}{len(values):>6}{median * 1000:>8.0f}ms{p95 * 1000:>8.0f}ms{target * 1000:>8.0f}ms"
              f"{p95 / target:>12.2f}{statistics.median(cpu_values) * 1000:>10.0f}ms")
        figure(f"face {name} median", round(median * 1000), "ms", target=f"<= {target * 1000:.0f} ms",
               ok=median <= target)
    print(f"memory: RSS {rss_before:.0f} MiB before models, {rss_after:.0f} MiB after; peak (ru_maxrss) "
          f"{peak_mib:.0f} MiB; descriptor helper peak (VmHWM) "
          f"{', '.join(f'{size:.0f}' for size in helpers) or 'n/a'} MiB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
