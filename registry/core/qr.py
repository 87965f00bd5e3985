"""QR codes for signed tokens, and the short fallback code printed under them.

A worker's certificate shows a QR code holding a short-lived JWS token
(registry/core/tokens.py). Rendering happens on every certificate view while the
token stays the same for minutes, so renders are kept in a small in-process
LRU cache: a repeat costs a dictionary lookup instead of a Reed-Solomon encode
and a PNG deflate (bench/qr_render.py measures both).

The `qrcode` package does the encoding (version choice, masking, error
correction); the SVG and PNG are written here from its module matrix because
that takes half the time of its image factories and gives an SVG that can be
inlined in HTML as it is (no XML declaration, a viewBox, one path).

The fallback code is for when no camera works: 8-10 characters from Crockford's
base32 alphabet (no I, L, O or U), the last one a check character computed in
GF(32). A weighted sum over a field catches every single wrong character and
every swap of two characters (adjacent or not), which a plain sum mod 32 cannot.
"""
from __future__ import annotations

import functools
import io
import re
import secrets
import unicodedata

import numpy as np
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

# QR version 40 at level M holds 2331 bytes; tokens are far shorter (tokens.py
# caps them at 1024), and the cap keeps a hostile caller from filling the cache
# with huge entries.
MAX_TEXT_LENGTH = 1024
CACHE_SIZE = 256
# Four modules of white around the symbol is what the QR standard asks for;
# phone scanners miss codes printed flush against other marks.
DEFAULT_BORDER = 4
DEFAULT_SCALE = 8

FALLBACK_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FALLBACK_CODE_LENGTHS = (8, 9, 10)
DEFAULT_FALLBACK_LENGTH = 10
# People read O for 0 and I or L for 1 (Crockford's rules); IMEs type
# full-width letters and dashes, which NFKC folds to ASCII first.
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.·]+")
# Anything longer than this is not a mistyped code, whatever the separators.
_MAX_RAW_FALLBACK = 40


class QRTextError(ValueError):
    """The text cannot be put in a QR code here (empty, not a string, or too long)."""


class FallbackCodeError(ValueError):
    """A typed fallback code was refused; `reason` is "length", "character" or "check"."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


# --- QR rendering -----------------------------------------------------------

def _check_text(text: str) -> None:
    if not isinstance(text, str) or not text:
        raise QRTextError("QR text must be a non-empty string")
    if len(text) > MAX_TEXT_LENGTH:
        raise QRTextError(f"QR text is longer than {MAX_TEXT_LENGTH} characters")


@functools.lru_cache(maxsize=CACHE_SIZE)
def _matrix(text: str, border: int) -> np.ndarray:
    """The module matrix (True = dark) including the quiet zone; read-only so it can be shared."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(text)
    code.make(fit=True)
    matrix = np.array(code.get_matrix(), dtype=bool)
    matrix.setflags(write=False)
    return matrix


def qr_matrix(text: str, border: int = DEFAULT_BORDER) -> np.ndarray:
    """The QR module matrix of `text` at error correction M (read-only bool array, quiet zone included)."""
    _check_text(text)
    return _matrix(text, border)


def _svg_path(matrix: np.ndarray) -> str:
    # One subpath per horizontal run of dark modules (~15 KB for a token, ~4 KB
    # gzipped) rather than one per module.
    parts = []
    for y, row in enumerate(matrix):
        # Run boundaries are where the row changes value; padding makes the edges count.
        edges = np.flatnonzero(np.diff(np.concatenate(([False], row, [False])).astype(np.int8)))
        for start, stop in zip(edges[::2], edges[1::2]):
            parts.append(f"M{start} {y}h{stop - start}v1h-{stop - start}z")
    return "".join(parts)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _svg(text: str, border: int, size: str | None) -> str:
    matrix = _matrix(text, border)
    n = matrix.shape[0]
    size_attrs = f' width="{size}" height="{size}"' if size else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}"{size_attrs}'
            f' shape-rendering="crispEdges" aria-hidden="true" focusable="false">'
            f'<rect width="{n}" height="{n}" fill="#fff"/>'
            f'<path fill="#000" d="{_svg_path(matrix)}"/></svg>')


def render_svg(text: str, border: int = DEFAULT_BORDER, size: str | None = None) -> str:
    """The QR code of `text` as an inline-ready SVG string (scales with CSS; `size` sets width/height, e.g. "240px").

    The SVG holds geometry only, never the text itself, so it is safe to mark
    as Markup in a template.
    """
    _check_text(text)
    if size is not None and not re.fullmatch(r"\d+(\.\d+)?(px|mm|em|rem|%)?", size):
        raise ValueError(f"bad SVG size {size!r}")
    return _svg(text, border, size)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _png(text: str, scale: int, border: int) -> bytes:
    matrix = _matrix(text, border)
    # Dark modules are 0 in a 1-bit image; np.kron scales each module to a square.
    pixels = np.kron(~matrix, np.ones((scale, scale), dtype=bool))
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def render_png(text: str, scale: int = DEFAULT_SCALE, border: int = DEFAULT_BORDER) -> bytes:
    """The QR code of `text` as a 1-bit PNG, `scale` pixels per module."""
    _check_text(text)
    if not 1 <= scale <= 64:
        raise ValueError("scale must be between 1 and 64 pixels per module")
    return _png(text, scale, border)


def clear_cache() -> None:
    """Forget every cached render (the benchmark's cold runs; tests that count encodes)."""
    for cached in (_matrix, _svg, _png):
        cached.cache_clear()


def cache_info() -> dict[str, object]:
    """Hit/miss counters of each cache, for diagnostics."""
    return {"matrix": _matrix.cache_info(), "svg": _svg.cache_info(), "png": _png.cache_info()}


# --- Fallback codes ---------------------------------------------------------

def _gf32_tables() -> tuple[list[int], list[int]]:
    # GF(2^5) built on the primitive polynomial x^5 + x^2 + 1, so x generates
    # all 31 non-zero elements and the weights x^1..x^k are distinct for k < 31.
    exp, log = [0] * 62, [0] * 32
    value = 1
    for power in range(31):
        exp[power] = exp[power + 31] = value
        log[value] = power
        value <<= 1
        if value & 0b100000:
            value ^= 0b100101
    return exp, log


_EXP, _LOG = _gf32_tables()


def _check_value(values: list[int]) -> int:
    # Check c makes n + sum(x^(i+1) * v_i) + c == 0 for a code of n characters
    # (addition in GF(32) is XOR). Starting from n stops a trailing 0 from
    # turning one valid code into a longer valid code.
    total = len(values) + 1
    for position, value in enumerate(values):
        if value:
            total ^= _EXP[(_LOG[value] + position + 1) % 31]
    return total


def fallback_check_character(body: str) -> str:
    """The check character for a code body (canonical characters only)."""
    return FALLBACK_ALPHABET[_check_value([FALLBACK_ALPHABET.index(c) for c in body])]


def new_fallback_code(length: int = DEFAULT_FALLBACK_LENGTH) -> str:
    """A random fallback code of `length` characters (8-10), the last being the check character.

    10 characters carry 45 random bits. The code only stands in for a token the
    server issued, so the server must still look it up, expire it and limit
    guesses; the check character only catches typos before that.
    """
    if length not in FALLBACK_CODE_LENGTHS:
        raise ValueError(f"fallback codes are {FALLBACK_CODE_LENGTHS[0]}-{FALLBACK_CODE_LENGTHS[-1]} characters")
    body = "".join(secrets.choice(FALLBACK_ALPHABET) for _ in range(length - 1))
    return body + fallback_check_character(body)


def format_fallback_code(code: str) -> str:
    """The code in hyphenated groups for printing: 4-4, 3-3-3 or 5-5."""
    group = {8: 4, 9: 3, 10: 5}.get(len(code), 4)
    return "-".join(code[i:i + group] for i in range(0, len(code), group))


def normalize_fallback_code(text: str, length: int | None = None) -> str:
    """The canonical form of a typed fallback code; FallbackCodeError if it cannot be one.

    Accepts lower case, spaces and hyphens (also full-width ones), and reads O
    as 0 and I or L as 1. Refuses U and other characters outside the alphabet
    ("character"), a wrong number of characters ("length"), and a code whose
    check character does not match ("check": a typo). Passing the `length`
    the server issues turns every dropped or extra character into a "length"
    refusal; otherwise any of 8-10 is accepted and about 1 in 32 of those slips
    past the check (the lookup then finds no such code).
    """
    if not isinstance(text, str) or len(text) > _MAX_RAW_FALLBACK:
        raise FallbackCodeError("length", "The code is too long.")
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper().translate(_CONFUSABLES)
    bad = sorted({c for c in cleaned if c not in FALLBACK_ALPHABET})
    if bad:
        raise FallbackCodeError("character", f"The code cannot contain {''.join(bad)!r}.")
    if len(cleaned) not in ((length,) if length else FALLBACK_CODE_LENGTHS):
        expected = length or f"{FALLBACK_CODE_LENGTHS[0]}-{FALLBACK_CODE_LENGTHS[-1]}"
        raise FallbackCodeError("length", f"The code has {len(cleaned)} characters, not {expected}.")
    if fallback_check_character(cleaned[:-1]) != cleaned[-1]:
        raise FallbackCodeError("check", "The code has a typo: its check character does not match.")
    return cleaned
