"""Video-room backends. A backend names rooms and turns (room, person, time limits) into the URL
that person opens; Clearday never proxies media. VIDEO_BACKEND picks the class."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class RoomParticipant:
    """Who is joining: `id` is stable per person, `name` is shown to the others in the room."""

    id: str
    name: str
    moderator: bool


class VideoBackend(Protocol):
    key: str

    def new_room_name(self) -> str:
        """An unguessable room name, valid on this backend."""

    def join_url(self, *, room_name: str, participant: RoomParticipant, not_before: dt.datetime,
                 expires_at: dt.datetime, now: dt.datetime) -> str:
        """The URL that lets `participant` into the room between `not_before` and `expires_at`."""


@lru_cache(maxsize=4)
def _backend_class(path: str):
    return import_string(path)


def get_backend() -> VideoBackend:
    return _backend_class(settings.VIDEO_BACKEND)()
