"""One-time codes that carry a new login from a Streamlit run to the session cookie.

A login happens in a Streamlit run, which cannot set an HttpOnly cookie; the run issues a
short-lived random code for the new token, the browser posts it to ``/api/session``, and that
route sets the cookie. The token itself never reaches the page's JavaScript.
"""

from __future__ import annotations

import secrets
import threading
import time

HANDOFF_SECONDS = 60.0


class Handoffs:
    """Codes issued for session tokens, each redeemable once within ``HANDOFF_SECONDS``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, tuple[str, float]] = {}

    def issue(self, token: str) -> str:
        """Return a new random code for ``token``."""
        code = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._lock:
            self._codes = {c: v for c, v in self._codes.items() if v[1] > now}
            self._codes[code] = (token, now + HANDOFF_SECONDS)
        return code

    def redeem(self, code: object) -> str | None:
        """Return the token of a live ``code`` and forget the code; None for anything else."""
        if not isinstance(code, str):
            return None
        with self._lock:
            token, deadline = self._codes.pop(code, (None, 0.0))
        return token if deadline > time.monotonic() else None


# Shared by the Streamlit runs and the routes of one server process.
HANDOFFS = Handoffs()
