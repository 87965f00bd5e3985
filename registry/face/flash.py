"""Reflected light: did the skin take on the colours the screen flashed, when it flashed them?

During a flash challenge the screen shows a random sequence of colours drawn
after the challenge was issued (registry.face.challenge_plan). A face a few
tens of centimetres from the screen reflects them: each colour channel of
the skin is scaled by how much of that colour the screen emits. A photo or a
replay shown on another screen, an edited picture or a capture recorded
under another plan does not follow this sequence.

Per frame, the skin colour is the mean of small patches on both cheeks, the
nose bridge and between the brows, placed from the landmarks (skin, not
hair or background). Its chromaticity (r, g, b over their sum: brightness,
exposure and shading cancel) is compared with the chromaticity the skin
would have under the colour shown at the frame's time: both series are
centred and detrended (a slow drift of the camera's white balance or of the
pose is not the flash), and for lags of 0-300 ms (the camera delivers a
frame some time after its exposure) the correlation and the gain (how much
of the screen's colour is seen in the skin) are measured. The best lag must
show a correlation and a gain above the calibrated limits (`light_mismatch`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from registry.face.challenge_plan import CapturePlan

NEUTRAL = (245, 245, 245)  # the page's background before and after the colours


def skin_patches(landmarks: np.ndarray) -> list[tuple[float, float, float]]:
    """Centre x, centre y and half size (px) of skin patches: cheeks, nose bridge, between the brows."""
    p = np.asarray(landmarks, dtype=float)
    eyes = float(np.linalg.norm(p[45] - p[36]))
    half = max(1.5, 0.09 * eyes)
    return [(*(0.4 * p[2] + 0.35 * p[31] + 0.25 * p[40]), half), (*(0.4 * p[14] + 0.35 * p[35] + 0.25 * p[47]), half),
            (*(0.5 * p[28] + 0.5 * p[29]), 0.7 * half), (*(p[27] + 0.25 * (p[27] - p[30])), 0.8 * half)]


def skin_colour(pixels: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Mean RGB of the skin patches, leaving out clipped (specular or black) pixels."""
    height, width = pixels.shape[:2]
    values = []
    for x, y, half in skin_patches(landmarks):
        x0, x1 = int(max(0, x - half)), int(min(width, x + half + 1))
        y0, y1 = int(max(0, y - half)), int(min(height, y + half + 1))
        if x1 > x0 and y1 > y0:
            values.append(pixels[y0:y1, x0:x1].reshape(-1, 3))
    if not values:
        return np.full(3, np.nan)
    patch = np.concatenate(values).astype(np.float64)
    usable = patch[(patch.max(axis=1) < 250) & (patch.min(axis=1) > 8)]
    return (usable if len(usable) >= 8 else patch).mean(axis=0)


def background_colour(pixels: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Mean RGB of the frame's top corners beside the face box: usually the room behind the person."""
    height, width = pixels.shape[:2]
    left, top, right, bottom = box
    rows = slice(0, max(1, int(0.2 * height)))
    corners = [pixels[rows, :max(1, min(int(0.15 * width), left))],
               pixels[rows, min(width - 1, max(int(0.85 * width), right)):]]
    values = [c.reshape(-1, 3) for c in corners if c.size]
    return np.concatenate(values).astype(np.float64).mean(axis=0) if values else np.full(3, np.nan)


def chromaticity(rgb: np.ndarray) -> np.ndarray:
    """r, g, b over r + g + b, per row."""
    rgb = np.asarray(rgb, dtype=np.float64)
    return rgb / np.maximum(rgb.sum(axis=-1, keepdims=True), 1e-6)


def screen_colours(plan: CapturePlan, times_ms: np.ndarray) -> np.ndarray:
    """The colour on the screen at each time (the neutral page outside the sequence)."""
    return np.array([plan.colour_at(float(t)) or NEUTRAL for t in times_ms], dtype=np.float64)


def gain_at(colours: np.ndarray, times_ms: tuple[float, ...] | list[float], plan: CapturePlan,
            lag_ms: float) -> float:
    """How much of the screen's colour a series of colours shows at one lag (the gain of check_light)."""
    times = np.asarray(times_ms, dtype=np.float64)
    colours = np.asarray(colours, dtype=np.float64)
    if not np.all(np.isfinite(colours)):
        return float("nan")
    observed = _detrended(chromaticity(colours), times)
    base = np.median(colours, axis=0)
    expected = _detrended(chromaticity(base * screen_colours(plan, times - lag_ms) / 255.0), times)
    energy = float((expected ** 2).sum())
    return float((expected * observed).sum() / energy) if energy > 0 else 0.0


def _detrended(values: np.ndarray, times_ms: np.ndarray) -> np.ndarray:
    """Each column minus its least-squares line in time."""
    basis = np.stack([np.ones_like(times_ms), (times_ms - times_ms.mean()) / 1000.0], axis=1)
    coefficients, *_ = np.linalg.lstsq(basis, values, rcond=None)
    return values - basis @ coefficients


@dataclass(frozen=True)
class LightLimits:
    min_correlation: float
    min_gain: float
    max_lag_ms: float
    lag_step_ms: float


@dataclass
class LightResult:
    passed: bool
    correlation: float
    gain: float
    lag_ms: float
    modulation: float  # RMS of the skin's detrended chromaticity (how much it changed at all)
    expected_modulation: float
    by_lag: dict[str, float]


def check_light(colours: np.ndarray, times_ms: tuple[float, ...] | list[float], plan: CapturePlan,
                limits: LightLimits) -> LightResult:
    """Correlation and gain between the skin's chromaticity and the flashed colours', at the best lag."""
    times = np.asarray(times_ms, dtype=np.float64)
    colours = np.asarray(colours, dtype=np.float64)
    observed = _detrended(chromaticity(colours), times)
    base = np.median(colours, axis=0)
    best = (-2.0, 0.0, 0.0, 0.0)
    by_lag: dict[str, float] = {}
    lag = 0.0
    while lag <= limits.max_lag_ms + 1e-9:
        # The chromaticity the skin would have if the screen were its only light.
        expected = _detrended(chromaticity(base * screen_colours(plan, times - lag) / 255.0), times)
        energy = float((expected ** 2).sum())
        norm = float(np.sqrt(energy * (observed ** 2).sum()))
        correlation = float((expected * observed).sum() / norm) if norm > 0 else 0.0
        gain = float((expected * observed).sum() / energy) if energy > 0 else 0.0
        by_lag[str(int(lag))] = round(correlation, 4)
        if correlation > best[0]:
            best = (correlation, gain, lag, float(np.sqrt(energy / len(times))))
        lag += limits.lag_step_ms
    correlation, gain, best_lag, expected_rms = best
    modulation = float(np.sqrt((observed ** 2).sum() / len(times)))
    passed = correlation >= limits.min_correlation and gain >= limits.min_gain
    return LightResult(bool(passed), correlation, gain, best_lag, modulation, expected_rms, by_lag)
