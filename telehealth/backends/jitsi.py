"""Self-hosted Jitsi Meet with JWT room tokens (prosody `authentication = "token"`).

Each person gets their own HS256 token signed with the server's app secret, naming the one room
it opens (`room`), the app (`iss`), the audience (`aud`), and the domain or tenant (`sub`),
valid from `nbf` to `exp`. The clinician's token makes them moderator: `context.user.moderator`
for token_moderation and `affiliation: owner` for token_affiliation. Jitsi wants every
`context.user` value as a string. Claims follow lib-jitsi-meet's doc/tokens.md.
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import quote, urlsplit

import jwt
from django.conf import settings

from . import RoomParticipant

ALGORITHM = "HS256"


def _base_and_subject() -> tuple[str, str]:
    """The room URL prefix and the `sub` claim: a tenant when the base URL has a path
    (https://meet.example.com/clinic -> "clinic"), else the domain."""
    base = settings.JITSI_BASE_URL.rstrip("/")
    parts = urlsplit(base)
    tenant = parts.path.strip("/")
    return base, (tenant or parts.hostname or "").lower()


def _epoch(instant: dt.datetime) -> int:
    return int(instant.timestamp())


class JitsiBackend:
    key = "jitsi"

    def new_room_name(self) -> str:
        # Lowercase letters and digits only: Jitsi lowercases room names.
        return "cd" + secrets.token_hex(16)

    def claims(self, *, room_name: str, participant: RoomParticipant, not_before: dt.datetime,
               expires_at: dt.datetime, now: dt.datetime) -> dict:
        _, subject = _base_and_subject()
        return {
            "aud": settings.JITSI_AUDIENCE,
            "iss": settings.JITSI_APP_ID,
            "sub": subject,
            "room": room_name,
            "iat": _epoch(now),
            "nbf": _epoch(not_before),
            "exp": _epoch(expires_at),
            "jti": secrets.token_hex(8),
            "context": {"user": {
                "id": participant.id,
                "name": participant.name,
                "moderator": "true" if participant.moderator else "false",
                "affiliation": "owner" if participant.moderator else "member",
            }},
        }

    def token(self, **kwargs) -> str:
        return jwt.encode(self.claims(**kwargs), settings.JITSI_APP_SECRET, algorithm=ALGORITHM)

    def join_url(self, *, room_name: str, participant: RoomParticipant, not_before: dt.datetime,
                 expires_at: dt.datetime, now: dt.datetime) -> str:
        base, _ = _base_and_subject()
        token = self.token(room_name=room_name, participant=participant, not_before=not_before,
                           expires_at=expires_at, now=now)
        return f"{base}/{quote(room_name)}?jwt={token}"
