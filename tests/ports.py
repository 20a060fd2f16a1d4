"""A TCP port that nothing listens on, so tests never collide with another program's port."""

from __future__ import annotations

import socket


def free_port() -> int:
    """Return a port number on 127.0.0.1 that was free a moment ago (chosen by the kernel)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
