"""Running the embedded camera check on a synthesized capture, against obama3.jpg as the reference."""
from __future__ import annotations

from functools import lru_cache

from registry.face.challenge_plan import CapturePlan
from registry.face.providers import CheckRequest, Decision, EmbeddedProvider
from tests.factories import photos as P


@lru_cache(maxsize=1)
def reference_template() -> bytes:
    """obama3.jpg enrolled as if read from the chip (the same reference as the other face tests)."""
    return EmbeddedProvider().enroll(P.photo_bytes()["obama3.jpg"]).template


def run_check(plan: CapturePlan, frames: list[bytes], times: list[float]) -> Decision:
    """EmbeddedProvider.check on a camera capture (needs an app context: the `app` fixture)."""
    request = CheckRequest(frames=frames, actions=tuple(w.action for w in plan.windows),
                           reference_template=reference_template(), purpose="check_in", plan=plan,
                           times_ms=tuple(times))
    return EmbeddedProvider().check(request)
