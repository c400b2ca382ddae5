"""The tokens in the links our texts carry (a check-in's `/c/<token>`, a waitlist offer's
`/w/<token>`): an HMAC of the row's random nonce under the server's secret, cut to 22 URL-safe
characters (132 bits). So a link fits in a one-segment text, can be derived again whenever a
message is rendered, and cannot be made from the database alone; only the token's SHA-256 is
stored, to find the row. Each kind of link has its own salt, so one kind's token never opens
another kind's row."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.utils.crypto import salted_hmac

TOKEN_LENGTH = 22
_TOKEN_RE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token) -> bool:
    return isinstance(token, str) and _TOKEN_RE.fullmatch(token) is not None


@dataclass(frozen=True)
class LinkTokens:
    salt: str

    def from_nonce(self, nonce: str) -> str:
        digest = salted_hmac(self.salt, nonce, algorithm="sha256").digest()
        return base64.urlsafe_b64encode(digest).decode()[:TOKEN_LENGTH]

    def matches(self, nonce: str, token: str) -> bool:
        """Whether `token` is this nonce's (in constant time)."""
        return secrets.compare_digest(self.from_nonce(nonce), token)
