"""Refusals of campaign actions; all are :class:`~dfew_build.errors.UserError` subclasses."""

from __future__ import annotations

from dfew_build.errors import UserError


class NotAllowed(UserError):
    """The account may not do this (wrong role, not qualified, not its clip)."""


class SessionInvalid(NotAllowed):
    """The session token is unknown, expired or ended, or its account is disabled."""


class LeaseLost(UserError):
    """The clip can no longer take this annotator's vote (lease gone, clip full or withdrawn)."""
