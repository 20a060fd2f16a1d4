"""Accounts and logins: salted secret hashes, sessions that end, disabled accounts locked out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dfew_build.campaign import accounts
from dfew_build.campaign.errors import NotAllowed, SessionInvalid
from dfew_build.campaign.hashing import hash_secret, token_digest, verify_secret
from dfew_build.campaign.rules import CampaignRules
from dfew_build.errors import UserError
from dfew_build.store.clock import as_utc, now_utc
from dfew_build.store.engine import init_store
from dfew_build.store.models import Annotator, LoginSession


def test_secret_hashes_are_salted_and_verify() -> None:
    first, second = hash_secret("open sesame"), hash_secret("open sesame")
    assert first != second  # a fresh salt each time
    assert first.startswith("$argon2id$")
    assert "open sesame" not in first
    assert verify_secret(first, "open sesame") and verify_secret(second, "open sesame")
    assert not verify_secret(first, "open sesame!")
    assert not verify_secret(None, "open sesame")
    assert not verify_secret("not a hash", "open sesame")


def test_accounts_store_only_hashes_and_log_in(store_url: str) -> None:
    store = init_store(store_url)
    secret = accounts.create_account(store, " ann ", "annotator")
    boss_secret = accounts.create_account(store, "boss", "admin")
    with store.read() as session:
        ann = session.scalar(select(Annotator).where(Annotator.name == "ann"))
        assert ann.secret_hash != secret and verify_secret(ann.secret_hash, secret)
        assert ann.qualification == "pending"
    token = accounts.login(store, "ann", secret)
    with store.read() as session:
        stored = session.scalars(select(LoginSession.token_hash)).all()
    assert stored == [token_digest(token)]  # the token itself is never stored
    actor = accounts.current_actor(store, token)
    assert (actor.name, actor.role, actor.qualified) == ("ann", "annotator", False)
    boss = accounts.current_actor(store, accounts.login(store, "boss", boss_secret))
    assert boss.is_admin and boss.qualified and boss.can_screen
    rows = {row.name: row for row in accounts.list_accounts(store)}
    assert set(rows) == {"ann", "boss"} and rows["ann"].votes == 0 and rows["ann"].active


def test_bad_logins_are_refused_alike(sqlite_url: str) -> None:
    store = init_store(sqlite_url)
    secret = accounts.create_account(store, "ann")
    with pytest.raises(NotAllowed) as wrong_secret:
        accounts.login(store, "ann", secret + "x")
    with pytest.raises(NotAllowed) as unknown_name:
        accounts.login(store, "nobody", secret)
    assert str(wrong_secret.value) == str(unknown_name.value)
    with pytest.raises(UserError, match="already exists"):
        accounts.create_account(store, "ann")
    with pytest.raises(UserError, match="role"):
        accounts.create_account(store, "eve", "root")
    with pytest.raises(UserError, match="account name is empty"):
        accounts.create_account(store, "   ")


def test_sessions_end_on_logout_expiry_reset_and_disable(store_url: str) -> None:
    store = init_store(store_url)
    secret = accounts.create_account(store, "ann")
    rules = CampaignRules(session_hours=1)
    now = now_utc()
    token = accounts.login(store, "ann", secret, rules, now)
    assert accounts.current_actor(store, token, now + timedelta(minutes=59)).name == "ann"
    with pytest.raises(SessionInvalid, match="expired"):
        accounts.current_actor(store, token, now + timedelta(minutes=61))

    accounts.logout(store, token)
    with pytest.raises(SessionInvalid, match="ended"):
        accounts.current_actor(store, token)

    token = accounts.login(store, "ann", secret)
    new_secret = accounts.reset_secret(store, "ann")
    with pytest.raises(SessionInvalid):
        accounts.current_actor(store, token)
    with pytest.raises(NotAllowed):
        accounts.login(store, "ann", secret)  # the old secret is dead

    token = accounts.login(store, "ann", new_secret)
    accounts.set_active(store, "ann", active=False)
    with pytest.raises(SessionInvalid, match="ended"):
        accounts.current_actor(store, token)
    with pytest.raises(NotAllowed, match="disabled"):
        accounts.login(store, "ann", new_secret)
    accounts.set_active(store, "ann", active=True)
    assert accounts.current_actor(store, accounts.login(store, "ann", new_secret)).name == "ann"


def test_a_session_expires_after_idle_hours_counted_from_its_last_use(store_url: str) -> None:
    store = init_store(store_url)
    secret = accounts.create_account(store, "ann")
    rules = CampaignRules(session_hours=1)
    now = now_utc()
    token = accounts.login(store, "ann", secret, rules, now)
    # Used every 50 minutes, the login outlives its first hour by far.
    for step in range(1, 5):
        moment = now + timedelta(minutes=50 * step)
        assert accounts.current_actor(store, token, moment).name == "ann"
        accounts.keep_alive(store, token, rules, moment)
    last_use = now + timedelta(minutes=200)
    assert accounts.current_actor(store, token, last_use + timedelta(minutes=59)).name == "ann"
    # A use within a minute of the last renewal writes nothing: the expiry stays put.
    accounts.keep_alive(store, token, rules, last_use + timedelta(seconds=30))
    with store.read() as session:
        expires = session.scalar(select(LoginSession.expires_at))
    assert as_utc(expires) == last_use + timedelta(hours=1)
    with pytest.raises(SessionInvalid, match="expired"):
        accounts.current_actor(store, token, last_use + timedelta(minutes=61))
    # An expired login is not revived by a late use, nor an ended one by any use.
    accounts.keep_alive(store, token, rules, last_use + timedelta(minutes=61))
    with pytest.raises(SessionInvalid, match="expired"):
        accounts.current_actor(store, token, last_use + timedelta(minutes=62))
    token = accounts.login(store, "ann", secret, rules, now)
    accounts.logout(store, token, now)
    accounts.keep_alive(store, token, rules, now + timedelta(minutes=30))
    with pytest.raises(SessionInvalid, match="ended"):
        accounts.current_actor(store, token, now + timedelta(minutes=31))


def test_forged_tokens_get_nowhere(sqlite_url: str) -> None:
    store = init_store(sqlite_url)
    accounts.create_account(store, "ann")
    for forged in (None, "", "x" * 43, token_digest("anything")):
        with pytest.raises(SessionInvalid):
            accounts.current_actor(store, forged)


def test_require_checks_role_and_qualification() -> None:
    annotator = accounts.Actor(1, "ann", "annotator", "pending")
    with pytest.raises(NotAllowed, match="role admin"):
        accounts.require(annotator, accounts.ADMIN_ROLES)
    with pytest.raises(NotAllowed, match="quiz"):
        accounts.require(annotator, qualified=True)
    reviewer = accounts.Actor(2, "rev", "reviewer", "qualified")
    assert accounts.require(reviewer, accounts.SCREENING_ROLES, qualified=True) is reviewer


def test_rules_refuse_nonsense() -> None:
    for bad in ({"pass_mark": 0}, {"pass_mark": 1.5}, {"quiz_size": 0}, {"lease_minutes": 0}):
        with pytest.raises(UserError):
            CampaignRules(**bad)
    assert CampaignRules().lease == timedelta(minutes=10)
