"""The identity step's API boundary, in and out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from readerstation.protocol import PROBLEMS
from registry.web.api import Upload


class FaceCompletionSchema(Schema):
    face_check_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class ChipChallengeSchema(Schema):
    challenge = fields.String(metadata={"description": "8 bytes, base64: relay to the chip's INTERNAL AUTHENTICATE"})
    expires_in = fields.Integer()


class CheckOutcomeSchema(Schema):
    status = fields.String()
    reason = fields.String()


class IdentityRecordSchema(Schema):
    """An attempt as its owner sees it: checks by name, never the document's data."""

    id = fields.Integer()
    method = fields.String()
    method_label = fields.String()
    document_kind = fields.String()
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(CheckOutcomeSchema))
    simulated = fields.Boolean(metadata={"description": "A software card was used: not a real identity check"})
    failure = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    document_verified_at = fields.DateTime(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)


class IdentityStatusSchema(Schema):
    state = fields.String(metadata={"description": "not_started | waiting_for_enterprises | reading | "
                                                   "awaiting_face | failed | review_pending | verified"})
    registration_step = fields.String()
    station_name = fields.String(allow_none=True, metadata={"description": "the station reading the document"})
    read_problem = fields.String(allow_none=True, metadata={"description": "why the station could not read it"})
    demo_card = fields.Boolean(metadata={"description": "the simulated card (模拟证件) is offered here"})
    binding_code = fields.String(allow_none=True)
    binding_expires_at = fields.DateTime(allow_none=True)
    record = fields.Nested(IdentityRecordSchema, allow_none=True)
    review_state = fields.String(allow_none=True)
    review_reason = fields.String(allow_none=True)


# The files a chip holds (ICAO 9303 LDS1): COM, SOD and data groups 1 to 16.
CHIP_FILE_NAMES = ("COM", "SOD", *(f"DG{number}" for number in range(1, 17)))

ChipReadFormSchema = Schema.from_dict(
    {**{name: Upload(metadata={"description": f"the chip's {name} file, as read"}) for name in CHIP_FILE_NAMES},
     "aa_challenge": fields.String(metadata={"description": "Active Authentication challenge sent (base64)"}),
     "aa_response": fields.String(metadata={"description": "the chip's Active Authentication answer (base64)"})},
    name="ChipReadFormSchema")


class ReviewFormSchema(Schema):
    """The multipart body of a manual identity review: three photos, JPEG or PNG, at most 4 MB each."""
    hand_held = Upload(required=True, metadata={"description": "holding the ID card beside the face"})
    front = Upload(required=True, metadata={"description": "the card's front"})
    back = Upload(required=True, metadata={"description": "the card's back"})


class ReviewSubmittedSchema(Schema):
    id = fields.Integer()
    state = fields.String()
    submitted_at = fields.DateTime()


# --- reader stations ---------------------------------------------------------

class StationEnrolmentSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32),
                         metadata={"description": "the one-time enrolment code an operator was shown"})
    public_key = fields.String(required=True, validate=validate.Length(min=1, max=64),
                               metadata={"description": "the station's Ed25519 public key, 32 bytes, base64"})


class StationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    place = fields.String()
    enrolled_at = fields.DateTime(allow_none=True)


class PairingSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32),
                         metadata={"description": "the code on the worker's identity page"})
    simulated = fields.Boolean(load_default=False,
                               metadata={"description": "read a software card (development and tests only)"})


class HolderSchema(Schema):
    name = fields.String()
    id_number = fields.String()


class PairingResultSchema(Schema):
    read_id = fields.Integer()
    aa_challenge = fields.String(metadata={"description": "8 bytes, base64: relay to the chip's INTERNAL "
                                                         "AUTHENTICATE"})
    expires_in = fields.Integer()
    holder = fields.Nested(HolderSchema, allow_none=True,
                           metadata={"description": "for a simulated read only: who the software card carries"})


StationChipReadFormSchema = Schema.from_dict(
    {**ChipReadFormSchema().fields,
     "chip_authentication": fields.String(metadata={"description": "Chip Authentication transcript (JSON)"}),
     "access_protocol": fields.String(metadata={"description": "PACE or BAC"}),
     "csca": Upload(metadata={"description": "a simulated card's CSCA certificate (development only)"})},
    name="StationChipReadFormSchema")


class ResidentIdFormSchema(Schema):
    record = Upload(required=True, metadata={"description": "the card's 256-byte text record from the SAM"})
    photo = Upload(required=True, metadata={"description": "the card photo as the reader's SDK decoded it"})


class ProblemSchema(Schema):
    problem = fields.String(required=True, validate=validate.OneOf(PROBLEMS))
