"""Browser sessions of the memory browser: an opaque random id in an HttpOnly, SameSite=Strict
cookie, and the bearer token kept only in the bridge's memory under that id.

The token never goes back to the browser, into a URL or into a log. A session also holds the
CSRF token its POST forms must carry. Sessions live in this process: restarting the bridge logs
everyone out, which is the safe way round.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "zikra_ui"
COOKIE_PATH = "/ui"
IDLE_S = 8 * 3600
MAX_SESSIONS = 10_000


@dataclass
class Session:
    """One browser's session: anonymous (login form only) until a token is accepted."""

    sid: str
    csrf: str
    expires: float
    token: str | None = None
    role: str | None = None
    projects: str = ""
    flash: list[str] = field(default_factory=list)

    @property
    def can_write(self) -> bool:
        """Whether the token's role may edit memories (the API decides anyway)."""
        return self.role in ("writer", "admin")

    @property
    def is_admin(self) -> bool:
        """Whether the token is an admin's (the tokens page)."""
        return self.role == "admin"

    def csrf_ok(self, given: str | None) -> bool:
        """Whether a form's CSRF token is this session's, compared in constant time."""
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf.encode())


class SessionStore:
    """Sessions by id, expiring after ``idle_s`` without a request."""

    def __init__(self, idle_s: float = IDLE_S, clock: Callable[[], float] = time.monotonic):
        self._idle_s = idle_s
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def get(self, sid: str | None) -> Session | None:
        """The live session of a cookie value, its idle clock restarted; None when unknown or expired."""
        session = self._sessions.get(sid or "")
        now = self._clock()
        if session is None or session.expires < now:
            self._sessions.pop(sid or "", None)
            return None
        session.expires = now + self._idle_s
        return session

    def new(self, token: str | None = None, role: str | None = None) -> Session:
        """A new session with fresh random id and CSRF token (a login gets a new id: no fixation)."""
        now = self._clock()
        if len(self._sessions) >= MAX_SESSIONS:
            self._sessions = {sid: s for sid, s in self._sessions.items() if s.expires >= now}
            if len(self._sessions) >= MAX_SESSIONS:  # still full: drop the anonymous ones first
                self._sessions = {sid: s for sid, s in self._sessions.items() if s.token is not None}
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now + self._idle_s, token, role)
        self._sessions[session.sid] = session
        return session

    def drop(self, sid: str) -> None:
        """Forget a session (logout, or a token the API no longer accepts)."""
        self._sessions.pop(sid, None)
