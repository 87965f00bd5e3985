"""Face verification with action liveness, a service the domains call (人脸核验)."""
from flask import Blueprint

bp = Blueprint("face", __name__, template_folder="templates")

from registry.face import services, views  # noqa: F401  (routes and the deletion hook register on import)
