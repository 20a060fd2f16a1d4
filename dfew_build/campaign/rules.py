"""The campaign's tunable rules, as one frozen value passed to the functions that need it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from dfew_build.errors import UserError

DEFAULT_PASS_MARK = 0.8
DEFAULT_QUIZ_SIZE = 10
DEFAULT_LEASE_MINUTES = 10.0
DEFAULT_SESSION_HOURS = 12.0


@dataclass(frozen=True)
class CampaignRules:
    """How the campaign runs.

    Attributes
    ----------
    pass_mark : float
        Share of quiz answers (0 < mark <= 1) that must be right to qualify; default 0.8.
    quiz_size : int
        Gold clips per quiz attempt (fewer when fewer quiz clips exist); default 10.
    lease_minutes : float
        Minutes a clip stays reserved for the annotator it was handed to; default 10.
    session_hours : float
        Hours a login lasts; default 12.
    """

    pass_mark: float = DEFAULT_PASS_MARK
    quiz_size: int = DEFAULT_QUIZ_SIZE
    lease_minutes: float = DEFAULT_LEASE_MINUTES
    session_hours: float = DEFAULT_SESSION_HOURS

    def __post_init__(self) -> None:
        if not 0 < self.pass_mark <= 1:
            raise UserError(f"pass mark {self.pass_mark} is out of range — use a share in (0, 1]")
        if self.quiz_size < 1:
            raise UserError(f"quiz size {self.quiz_size} is too small — use 1 or more")
        if self.lease_minutes <= 0:
            raise UserError(f"lease of {self.lease_minutes} minutes — use a positive number")
        if not 0 < self.session_hours < math.inf:
            raise UserError(
                f"session of {self.session_hours} hours — use a positive, finite number"
            )

    @property
    def lease(self) -> timedelta:
        """Return how long a lease lasts."""
        return timedelta(minutes=self.lease_minutes)

    @property
    def session(self) -> timedelta:
        """Return how long a login lasts."""
        return timedelta(hours=self.session_hours)
