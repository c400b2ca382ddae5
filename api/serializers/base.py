"""What the API's serializers share."""

from __future__ import annotations

import copy


class FieldsBuiltOnce:
    """For a ModelSerializer on a hot path: DRF works out its fields from the model on every
    instantiation (one per appointment shown, one per allocation in it). They depend on the class
    alone, so they are built once per class, and each instance gets its own copy, as a plain
    Serializer's declared fields are copied."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built_once = built
        return copy.deepcopy(built)
