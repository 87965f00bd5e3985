"""A camera the test supplies: getUserMedia answers a canvas stream that films real photos of one person.

The canvas shows the pose the page is asking for (it reads the capture
stage's data-action: looking straight, turned right, turned left), fading
between poses as a head turns, and, like a face in front of a screen, takes
on the colour the page flashes (the stage's data-flash-colour), the screen's
light multiplied into the skin. An attacker's camera is the same canvas with
`follow_flash=False`: a still photo or edited photos that do not reflect the
page's light.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from tests.factories import face_edits as E
from tests.factories import photos as P

WIDTH, HEIGHT = 360, 270  # what the page sends at most (its longer side is 360 px)


def _data_url(image: Image.Image) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(P.jpeg(image.resize((WIDTH, HEIGHT)))).decode()


@dataclass
class FakeCamera:
    """Pose name ("look", "turn_right", "turn_left", ...) -> image; look is required. `morphs` holds the
    in-between pictures of a head moving from one pose to another ("look>turn_right": [...]), played over
    fade_ms; without one a change is a cut."""

    poses: dict[str, Image.Image]
    follow_flash: bool = True
    tint: float = 0.3
    fade_ms: int = 450
    morphs: dict[str, list[Image.Image]] = field(default_factory=dict)

    def script(self) -> str:
        """The init script replacing getUserMedia in every page of a context."""
        images = {pose: _data_url(image) for pose, image in self.poses.items()}
        morphs = {key: [_data_url(image) for image in steps] for key, steps in self.morphs.items()}
        settings = json.dumps({"images": images, "morphs": morphs, "follow": self.follow_flash, "tint": self.tint,
                               "fade": self.fade_ms, "width": WIDTH, "height": HEIGHT})
        return _SCRIPT.replace("__SETTINGS__", settings)


def genuine(*, follow_flash: bool = True, steps: int = 6) -> FakeCamera:
    """The enrolled person (obama) doing what the page asks: real photos of each pose, and between them the
    landmark-driven morphs a turning head passes through (tests/factories/face_edits.py)."""
    faces = {"look": E.framed(*P.FRONTAL), "turn_right": E.framed(*P.TURNED_RIGHT),
             "turn_left": E.framed(*P.TURNED_LEFT)}
    picture = {pose: _image(face) for pose, face in faces.items()}
    morphs = {}
    for pose in ("turn_right", "turn_left"):
        forth = [_image(E.morph(faces["look"], faces[pose], (i + 1) / steps)) for i in range(steps)]
        back = [_image(E.morph(faces[pose], faces["look"], (i + 1) / steps)) for i in range(steps)]
        morphs[f"look>{pose}"], morphs[f"{pose}>look"] = forth, back
    return FakeCamera(picture, follow_flash=follow_flash, morphs=morphs)


def _image(face) -> Image.Image:
    return Image.fromarray(np.clip(face.pixels, 0, 255).astype(np.uint8))


def shifted_middle(image: Image.Image, share: float) -> Image.Image:
    """A crude "turn": the middle band of the face shifted sideways by share of the width (the edit that
    passed the old checks), nose and eyes moved against the jaw."""
    width, height = image.size
    box = (int(width * 0.35), int(height * 0.2), int(width * 0.65), int(height * 0.8))
    edited = image.copy()
    edited.paste(image.crop(box), (box[0] + int(width * share), box[1]))
    return edited


_SCRIPT = r"""
(() => {
  const S = __SETTINGS__;
  const images = {}, morphs = {};
  function load(url) {
    return new Promise((resolve) => { const img = new Image(); img.onload = () => resolve(img); img.src = url; });
  }
  const loaded = Promise.all([
    ...Object.entries(S.images).map(([pose, url]) => load(url).then((img) => { images[pose] = img; })),
    ...Object.entries(S.morphs).map(([key, urls]) => Promise.all(urls.map(load)).then((imgs) => { morphs[key] = imgs; })),
  ]);
  const canvas = document.createElement("canvas");
  canvas.width = S.width; canvas.height = S.height;
  const ctx = canvas.getContext("2d");
  // A head going from one side to the other passes the middle: such a change goes through "look".
  let current = "look", from = "look", changed = -1e9;
  function picture(now) {
    const progress = Math.min(1, (now - changed) / S.fade);
    const steps = morphs[from + ">" + current];
    if (progress >= 1 || from === current) { return images[current]; }
    if (steps) { return steps[Math.min(steps.length - 1, Math.floor(progress * steps.length))]; }
    return images[current];
  }
  function draw() {
    const stage = document.querySelector(".face-stage");
    const asked = (stage && stage.getAttribute("data-action")) || "look";
    const target = images[asked] ? asked : "look";
    const now = performance.now();
    if (target !== current && now - changed >= S.fade) {
      from = current;
      current = current !== "look" && target !== "look" ? "look" : target;
      changed = now;
    }
    ctx.globalCompositeOperation = "source-over";
    ctx.globalAlpha = 1;
    ctx.drawImage(picture(now), 0, 0, S.width, S.height);
    const colour = S.follow && stage && stage.getAttribute("data-flash-colour");
    if (colour) {
      ctx.globalCompositeOperation = "multiply";
      ctx.globalAlpha = S.tint;
      ctx.fillStyle = colour;
      ctx.fillRect(0, 0, S.width, S.height);
    }
    ctx.globalCompositeOperation = "source-over";
    ctx.globalAlpha = 1;
    requestAnimationFrame(draw);
  }
  navigator.mediaDevices.getUserMedia = async () => {
    await loaded;
    draw();
    return canvas.captureStream(30);
  };
})();
"""
