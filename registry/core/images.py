"""What an uploaded photo really is: JPEG, PNG or WebP, checked by decoding its structure, not its name."""
from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def photo_type(data: bytes) -> str | None:
    """The media type of a well-formed JPEG, PNG or WebP image; None for anything else (or a broken one)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            media_type = PHOTO_TYPES.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return media_type
