"""The one-time login hand-off codes: pending until redeemed once, then gone."""

from __future__ import annotations

from annotation_app.handoff import Handoffs


def test_a_code_stays_pending_until_redeemed_once() -> None:
    handoffs = Handoffs()
    code = handoffs.issue("token-1")
    assert handoffs.pending(code) and not handoffs.pending("forged")
    assert handoffs.pending(code)  # asking does not use it up: every page run hands it on
    assert handoffs.redeem(code) == "token-1"
    assert not handoffs.pending(code) and handoffs.redeem(code) is None
    assert handoffs.redeem(None) is None
