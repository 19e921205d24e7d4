"""What can go wrong talking to Zikra, sorted by what the spool should do about it."""

from __future__ import annotations


class HookError(Exception):
    """Base of the errors a hook handles itself (it never lets one reach Claude Code)."""


class Unavailable(HookError):
    """The server could not be reached or answered 5xx, 401, 404 or 429: keep the item and stop,
    because every later item would fail the same way (the order of the spool is kept)."""


class Rejected(HookError):
    """The server refused this one item (400, 403, 413, 422): retrying it cannot help, so it is
    set aside in ``spool/rejected/`` and the items behind it go on."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
