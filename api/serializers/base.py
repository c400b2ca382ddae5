"""What the API's serializers share."""

from __future__ import annotations

import copy

from rest_framework import serializers


class FieldsBuiltOnce:
    """For a serializer on a hot path. DRF builds every instance's fields afresh: a ModelSerializer
    works them out from the model, and any serializer deep-copies each declared field by calling
    its constructor again; profiling put that above the validation itself. The fields depend on
    the class alone, so they are built once per class. Each instance gets its own copy to bind:
    a plain copy of a field without children (binding sets only the copy's name, parent and
    source), and a deep copy of one with children (a list's child, a nested serializer), whose
    children are bound to it."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built_once = built
        return {name: copy.deepcopy(field) if _has_children(field) else _plain_copy(field)
                for name, field in built.items()}


def _has_children(field) -> bool:
    return isinstance(field, serializers.BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation")


def _plain_copy(field):
    """copy.copy, without its trip through __reduce_ex__ (DRF fields keep all state in __dict__)."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone
