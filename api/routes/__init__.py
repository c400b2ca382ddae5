"""The API's routes, one module per area. Every row id in a path is `<id:...>`: a positive integer
within the database's key range. A larger number matches no route (a 404 problem), instead of
reaching a query that the database driver fails on (a 500)."""

from django.urls import register_converter

from api.serializers.fields import MAX_ID


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"{value} is not a row id")  # Django: no match, so 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
