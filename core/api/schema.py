"""The OpenAPI schema documents every error an operation can answer, in the API's one error format."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema

from core.ids import EXTERNAL_ID_PREFIX, MAX_DATABASE_ID, has_external_id

DETAIL_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
STALE_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "current_version": {"type": "integer"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Messages per field; `non_field_errors` for those about the request as a whole.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CrmAutoSchema(AutoSchema):
    """Adds the error responses of the shared exception handler to each operation."""

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses

        def add(code: str, schema: dict, description: str) -> None:
            if code not in responses:
                response = self._get_response_for_code(schema, code, direction=direction)
                response["description"] = description
                responses[code] = response

        add("400", FIELD_ERRORS, "Invalid input (a query parameter or a body field), with a message per field.")
        add("401", DETAIL_ERROR, "Not authenticated.")
        add("403", DETAIL_ERROR, "The user's role may not do this.")
        # Unknown records, unknown pages of a list and unknown paths all answer 404.
        add("404", DETAIL_ERROR, "Not found.")
        if self.method in WRITE_METHODS:
            add("409", STALE_ERROR, "The record changed since `version` (or `If-Match`), or the write conflicts "
                                    "with another record.")
        add("429", DETAIL_ERROR, "Too many requests; retry later.")
        return responses


class RecordFieldExtension(OpenApiSerializerFieldExtension):
    """A related record in a request: an id, or `ext:<external id>` when the model has external ids."""

    target_class = "core.api.base.RecordField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict:
        record_id = {"type": "integer", "minimum": 1, "maximum": MAX_DATABASE_ID}
        if not has_external_id(self.target.get_queryset().model):
            return record_id
        reference = {"type": "string", "pattern": f"^{EXTERNAL_ID_PREFIX}.+$"}
        return {"oneOf": [record_id, reference], "description": "A record id, or `ext:` and its external id."}
