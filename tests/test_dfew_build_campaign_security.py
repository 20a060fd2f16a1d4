"""Security: forged and stale sessions cannot vote, non-admins cannot act as admins, and clip
files are served only from inside the clip folder."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from dfew_build.campaign import accounts, admin
from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.clip_files import ClipPathRefused, resolve_clip_file
from dfew_build.campaign.errors import NotAllowed, SessionInvalid
from dfew_build.campaign.hashing import new_token
from dfew_build.campaign.rules import CampaignRules
from dfew_build.campaign.vote_casting import report_broken, submit_vote
from dfew_build.store.clock import now_utc
from dfew_build.store.engine import init_store
from dfew_build.store.models import Annotator, BrokenReport, Clip, GoldClip, Vote
from tests.app_fixtures import add_clips, quick_people

NOW = now_utc()


def _vote_count(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(Vote))


def test_forged_or_stale_sessions_cannot_vote(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["a", "b"])
    secret = accounts.create_account(store, "ann")
    accounts.create_account(store, "boss", "admin")
    token = accounts.login(store, "ann", secret, CampaignRules(session_hours=1), NOW)
    with store.write() as session:  # qualify ann without the quiz
        session.execute(update(Annotator).values(qualification="qualified"))
    lease = next_clip(store, token, now=NOW)
    for forged in (None, "", new_token(), token + "x", token[:-1]):
        with pytest.raises(SessionInvalid):
            submit_vote(store, forged, lease.lease_id, 1, now=NOW)
        with pytest.raises(SessionInvalid):
            next_clip(store, forged, now=NOW)
        with pytest.raises(SessionInvalid):
            report_broken(store, forged, lease.lease_id, now=NOW)
    with pytest.raises(SessionInvalid, match="expired"):  # stale: past the login's lifetime
        submit_vote(store, token, lease.lease_id, 1, now=NOW + timedelta(hours=2))
    accounts.logout(store, token)
    with pytest.raises(SessionInvalid, match="ended"):  # stale: logged out
        submit_vote(store, token, lease.lease_id, 1, now=NOW)
    assert _vote_count(store) == 0


def test_a_disabled_account_is_out_at_its_next_action(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["a", "b"])
    token = quick_people(store, ["ann"])["ann"]
    lease = next_clip(store, token, now=NOW)
    accounts.set_active(store, "ann", active=False)
    with pytest.raises(SessionInvalid):
        submit_vote(store, token, lease.lease_id, 1)
    assert _vote_count(store) == 0


def test_non_admins_cannot_call_admin_actions(store_url: str) -> None:
    store = init_store(store_url)
    clip = add_clips(store, ["a"])["a"]
    tokens = quick_people(store, ["ann"]) | quick_people(store, ["rev"], role="reviewer")
    boss = quick_people(store, ["boss"], role="admin")["boss"]
    lease = next_clip(store, tokens["ann"], now=NOW)
    report_broken(store, tokens["ann"], lease.lease_id, "black screen", now=NOW)
    calls = [
        lambda t: admin.dashboard(store, t, NOW),
        lambda t: admin.gold_clips(store, t),
        lambda t: admin.mark_gold(store, t, "a", 3),
        lambda t: admin.unmark_gold(store, t, "a"),
        lambda t: admin.resolve_reports(store, t, clip, reject=True),
    ]
    for token in (*tokens.values(), new_token()):
        for call in calls:
            with pytest.raises(NotAllowed):
                call(token)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(GoldClip)) == 0
        assert session.get(Clip, clip).status == "accepted"
        assert session.scalar(select(BrokenReport.resolution)) is None
    # The same calls work for an admin.
    assert admin.mark_gold(store, boss, "a", 3).emotion == 3
    assert [row.clip for row in admin.gold_clips(store, boss)] == ["a"]
    admin.unmark_gold(store, boss, "a")
    admin.resolve_reports(store, boss, clip, reject=True)
    with store.read() as session:
        assert session.get(Clip, clip).status == "rejected"
        assert session.scalar(select(BrokenReport.resolution)) == "rejected"
    assert admin.dashboard(store, boss, NOW).reports["resolution"].tolist() == ["rejected"]


def test_clip_files_are_served_only_from_the_clip_folder(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    (clips / "sub").mkdir(parents=True)
    inside = clips / "sub" / "a.mp4"
    inside.write_bytes(b"\x00")
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(b"\x00")
    os.symlink(secret, clips / "link.mp4")
    assert resolve_clip_file(clips, "sub/a.mp4") == inside.resolve()
    assert resolve_clip_file(clips, str(inside)) == inside.resolve()  # absolute, as extract stores
    refused = [
        "../secret.mp4",
        "sub/../../secret.mp4",
        str(clips / ".." / "secret.mp4"),
        "sub/../a.mp4",  # '..' is refused even when it would stay inside
        str(secret),
        "link.mp4",  # a symbolic link out of the folder
        "/etc/passwd",
        "missing.mp4",
        "sub",
        "",
        None,
    ]
    for path in refused:
        with pytest.raises(ClipPathRefused):
            resolve_clip_file(clips, path)
