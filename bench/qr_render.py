"""QR render benchmark: cold and cached renders of a certificate token.

    .venv/bin/python bench/qr_render.py --runs 300

A cold render is a token never seen before (the cache is cleared each time):
QR encoding plus SVG text or a PNG deflate. A cached render is the same token
again, which is what every view of a certificate costs while its token lives.
For comparison it also times the `qrcode` package's own image factories, which
registry.qr replaces. Target: cached repeat under 1 ms (p95).
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CACHED_TARGET_MS = 1.0


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _tokens(count: int) -> list[str]:
    """Real certificate-shaped tokens (EdDSA JWS), all different."""
    from registry.core.signing import KeyRing
    from registry.core.tokens import issue

    ring = KeyRing(Path(tempfile.mkdtemp()) / "ring")
    return [issue(ring, {"cid": f"{n:022d}"}, dt.timedelta(minutes=5), "cert+jws") for n in range(count)]


def _time(call, texts: list[str], before=None) -> list[float]:
    samples = []
    for text in texts:
        if before:
            before()
        started = time.perf_counter()
        call(text)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _qrcode_pil(text: str) -> bytes:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def _qrcode_svg(text: str) -> str:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M
    from qrcode.image.svg import SvgPathImage

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, image_factory=SvgPathImage)
    code.add_data(text)
    return code.make_image().to_string(encoding="unicode")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="renders per row")
    parser.add_argument("--full", action="store_true", help="1,000 renders per row")
    args = parser.parse_args()
    if args.full:
        args.runs = max(args.runs, 1000)
    from report import figure  # noqa: PLC0415 - bench/report.py, beside this script

    from registry.core import qr

    tokens = _tokens(args.runs)
    repeated = [tokens[0]] * args.runs
    qr.render_svg(tokens[0])
    qr.render_png(tokens[0])
    rows = [
        ("SVG cold (registry.qr)", _time(qr.render_svg, tokens, qr.clear_cache)),
        ("PNG cold (registry.qr)", _time(qr.render_png, tokens, qr.clear_cache)),
        ("SVG cached", _time(qr.render_svg, repeated)),
        ("PNG cached", _time(qr.render_png, repeated)),
        ("SVG cold, qrcode SvgPathImage", _time(_qrcode_svg, tokens)),
        ("PNG cold, qrcode PilImage", _time(_qrcode_pil, tokens)),
    ]
    modules = qr.qr_matrix(tokens[0], border=0).shape[0]
    print(f"token: {len(tokens[0])} chars -> QR version {(modules - 17) // 4}, level M; "
          f"PNG {len(qr.render_png(tokens[0]))} B, SVG {len(qr.render_svg(tokens[0]))} B; {args.runs} runs/row")
    print(f"{'render':32} {'median ms':>10} {'p95 ms':>10}")
    for name, samples in rows:
        print(f"{name:32} {statistics.median(samples):10.4f} {_percentile(samples, 95):10.4f}")
    cached_p95 = max(_percentile(samples, 95) for name, samples in rows if "cached" in name)
    verdict = "OK" if cached_p95 < CACHED_TARGET_MS else "MISSED"
    print(f"cached p95 {cached_p95:.4f} ms, target < {CACHED_TARGET_MS} ms: {verdict}")
    for name, samples in rows:
        cached = "cached" in name
        figure(f"QR {name} p95", round(_percentile(samples, 95), 4), "ms",
               target=f"< {CACHED_TARGET_MS} ms" if cached else "",
               ok=_percentile(samples, 95) < CACHED_TARGET_MS if cached else None)
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
