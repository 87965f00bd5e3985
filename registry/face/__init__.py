"""Face verification with action liveness, a service the domains call (人脸核验)."""
from __future__ import annotations

from flask import Flask

from registry.core import signals
from registry.face import export, services, views


def init_app(app: Flask) -> None:
    """The capture pages and API; a deleted account's references and checks go with it, an export lists them."""
    app.register_blueprint(views.bp)
    signals.account_deleting.connect(services.delete_face_data)
    signals.subject_export.connect(export.export_face)
    signals.subject_export_readable.connect(export.readable_face)
