"""Face verification with action liveness, a service the domains call (人脸核验)."""
from __future__ import annotations

from flask import Flask

from registry.core import signals
from registry.face import export, services, views
from registry.face.settings import setting


def init_app(app: Flask) -> None:
    """The capture pages and API; a deleted account's references and checks go with it, an export lists them."""
    app.register_blueprint(views.bp)
    app.add_template_global(lambda: bool(setting("FACE_PHOTO_CAPTURE")), "face_photo_capture")
    signals.account_deleting.connect(services.delete_face_data)
    signals.subject_export.connect(export.export_face)
    signals.subject_export_readable.connect(export.readable_face)
