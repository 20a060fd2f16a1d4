"""Accounts, logins and the check every browser action starts with.

An account is an :class:`~dfew_build.store.models.Annotator` row with a role (annotator,
reviewer, admin) and a salted secret hash. Logging in creates a
:class:`~dfew_build.store.models.LoginSession` and hands its random token to the browser
session; every later action presents the token and :func:`authenticate` checks it in the
action's own transaction, so a disabled account, a reset secret, a logout or an expired login
take effect at the very next click, and a forged token never gets anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dfew_build.campaign.errors import NotAllowed, SessionInvalid
from dfew_build.campaign.hashing import (
    hash_secret,
    new_secret,
    new_token,
    token_digest,
    verify_secret,
)
from dfew_build.campaign.rules import CampaignRules
from dfew_build.errors import UserError
from dfew_build.options import name_problem
from dfew_build.store.clock import as_utc, now_utc
from dfew_build.store.engine import Store
from dfew_build.store.models import (
    PERSON_NAME_LENGTH,
    ROLES,
    Annotator,
    Lease,
    LoginSession,
    Screening,
    Vote,
)

SCREENING_ROLES = ("reviewer", "admin")
ADMIN_ROLES = ("admin",)
_BAD_LOGIN = "wrong name or secret — check both, or ask an admin to reset your secret"


@dataclass(frozen=True)
class Actor:
    """The logged-in account behind a session token."""

    id: int
    name: str
    role: str
    qualification: str

    @property
    def is_admin(self) -> bool:
        """Return True for an admin."""
        return self.role in ADMIN_ROLES

    @property
    def can_screen(self) -> bool:
        """Return True for a reviewer or an admin."""
        return self.role in SCREENING_ROLES

    @property
    def qualified(self) -> bool:
        """Return True once the account passed the qualification quiz."""
        return self.qualification == "qualified"


@dataclass(frozen=True)
class AccountRow:
    """One line of the account list: votes is the number of votes cast (an int)."""

    name: str
    role: str
    qualification: str
    active: bool
    votes: int
    created_at: datetime


def check_name(name: str) -> str:
    """Return ``name`` stripped of surrounding spaces; raise UserError when it is empty, too
    long or holds a control character (see :func:`dfew_build.options.name_problem`)."""
    clean = name.strip()
    problem = name_problem(clean, "account name", PERSON_NAME_LENGTH)
    if problem:
        raise UserError(problem)
    return clean


def check_role(role: str) -> str:
    """Return ``role`` when it is one of annotator, reviewer, admin; else raise UserError."""
    if role not in ROLES:
        raise UserError(f"role {role!r} is unknown — use one of {', '.join(ROLES)}")
    return role


def create_account(store: Store, name: str, role: str = "annotator") -> str:
    """Create an account and return its one-time secret (shown once, stored only as a hash).

    Admins start qualified (they run the campaign); others start pending until they pass the
    quiz. Raises UserError for a taken name or an unknown role.
    """
    name, role = check_name(name), check_role(role)
    secret = new_secret()
    qualification = "qualified" if role == "admin" else "pending"
    try:
        with store.write() as session:
            session.add(
                Annotator(
                    name=name,
                    role=role,
                    secret_hash=hash_secret(secret),
                    qualification=qualification,
                    active=True,
                )
            )
    except IntegrityError as exc:
        raise UserError(f"an account named {name!r} already exists — pick another name") from exc
    return secret


def list_accounts(store: Store) -> list[AccountRow]:
    """Return every account with its number of votes, ordered by name."""
    votes = (
        select(Vote.annotator_id, func.count().label("n")).group_by(Vote.annotator_id).subquery()
    )
    query = (
        select(
            Annotator.name,
            Annotator.role,
            Annotator.qualification,
            Annotator.active,
            func.coalesce(votes.c.n, 0),
            Annotator.created_at,
        )
        .outerjoin(votes, votes.c.annotator_id == Annotator.id)
        .order_by(Annotator.name)
    )
    with store.read() as session:
        return [AccountRow(*row) for row in session.execute(query)]


def _account(session: Session, name: str) -> Annotator:
    account = session.scalar(select(Annotator).where(Annotator.name == name))
    if account is None:
        raise UserError(f"no account named {name!r} — see `dfew-build annotators list`")
    return account


def end_sessions(session: Session, annotator_id: int, now: datetime) -> None:
    """End every live login of an account, in the caller's transaction."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.annotator_id == annotator_id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def _release_holds(session: Session, annotator_id: int, now: datetime) -> None:
    """Give back the account's open leases and undecided screening claims."""
    session.execute(
        update(Lease)
        .where(Lease.annotator_id == annotator_id, Lease.closed_at.is_(None))
        .values(closed_at=now, outcome="released")
    )
    session.execute(
        update(Screening)
        .where(Screening.reviewer_id == annotator_id, Screening.decision.is_(None))
        .values(claim_expires_at=now)
    )


def set_active(store: Store, name: str, active: bool, now: datetime | None = None) -> None:
    """Enable or disable an account. Disabling ends its logins and frees the clips it held."""
    now = now_utc(now)
    with store.write() as session:
        account = _account(session, name)
        account.active = active
        if not active:
            end_sessions(session, account.id, now)
            _release_holds(session, account.id, now)


def reset_secret(
    store: Store, name: str, requalify: bool = False, now: datetime | None = None
) -> str:
    """Give an account a new secret and return it; its logins end. ``requalify``: quiz again."""
    now = now_utc(now)
    secret = new_secret()
    with store.write() as session:
        account = _account(session, name)
        account.secret_hash = hash_secret(secret)
        if requalify and account.role != "admin":
            account.qualification = "pending"
        end_sessions(session, account.id, now)
    return secret


def login(
    store: Store,
    name: str,
    secret: str,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
) -> str:
    """Check a name and secret; return a new session token, valid for ``rules.session_hours``
    (from its last use, see :func:`keep_alive`).

    Raises NotAllowed with one message for an unknown name or a wrong secret (they are not told
    apart), and another for a disabled account once the secret was right.
    """
    rules, now = rules or CampaignRules(), now_utc(now)
    with store.read() as session:
        row = session.execute(
            select(Annotator.id, Annotator.secret_hash).where(Annotator.name == name.strip())
        ).first()
    # The slow hash check runs outside any transaction, so it never holds the write lock.
    if not verify_secret(row.secret_hash if row else None, secret) or row is None:
        raise NotAllowed(_BAD_LOGIN)
    token = new_token()
    with store.write() as session:
        account = session.get(Annotator, row.id)
        if account is None or account.secret_hash != row.secret_hash:
            raise NotAllowed(_BAD_LOGIN)
        if not account.active:
            raise NotAllowed("this account is disabled — ask an admin to enable it")
        session.add(
            LoginSession(
                token_hash=token_digest(token),
                annotator_id=account.id,
                created_at=now,
                expires_at=now + rules.session,
            )
        )
    return token


# A session's expiry moves forward on use at most this often, so a run of votes writes it
# about once a minute, not on every vote.
KEEP_ALIVE_STEP = timedelta(minutes=1)


def keep_alive(
    store: Store, token: str | None, rules: CampaignRules | None = None, now: datetime | None = None
) -> None:
    """Move the expiry of the live session ``token`` to ``rules.session_hours`` after ``now``,
    so a login expires after that long idle, not after that long in all; a dead or unknown
    token is left as it is (the next check refuses it). Returns None."""
    if not token:
        return
    rules, now = rules or CampaignRules(), now_utc(now)
    digest, renewed = token_digest(token), now + rules.session
    live = (
        LoginSession.token_hash == digest,
        LoginSession.ended_at.is_(None),
        LoginSession.expires_at > now,
    )
    with store.read() as session:
        expires = session.scalar(select(LoginSession.expires_at).where(*live))
    if expires is None or as_utc(expires) > renewed - KEEP_ALIVE_STEP:
        return
    with store.write() as session:
        session.execute(update(LoginSession).where(*live).values(expires_at=renewed))


def logout(store: Store, token: str | None, now: datetime | None = None) -> None:
    """End the login behind ``token``; an unknown or already ended token is ignored."""
    if not token:
        return
    with store.write() as session:
        session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == token_digest(token), LoginSession.ended_at.is_(None))
            .values(ended_at=now_utc(now))
        )


# What every action a browser triggers checks first: the account behind a token digest.
SESSION_COLUMNS = (
    Annotator.id,
    Annotator.name,
    Annotator.role,
    Annotator.qualification,
    Annotator.active,
    LoginSession.expires_at,
    LoginSession.ended_at,
)
_SESSION_ROW = (
    select(*SESSION_COLUMNS)
    .join(LoginSession, LoginSession.annotator_id == Annotator.id)
    .where(LoginSession.token_hash == bindparam("digest"))
)


def authenticate(session: Session, token: str | None, now: datetime | None = None) -> Actor:
    """Return the account behind a live session token, inside the caller's transaction.

    Raises SessionInvalid for a missing, unknown (forged), ended or expired token and for a
    disabled account.
    """
    if not token:
        raise SessionInvalid("you are not logged in — log in first")
    row = session.connection().execute(_SESSION_ROW, {"digest": token_digest(token)}).first()
    return actor_of(row, now)


def actor_of(row, now: datetime | None = None) -> Actor:
    """Return the account of a row holding :data:`SESSION_COLUMNS` (None: no such session).

    Raises SessionInvalid as :func:`authenticate` does, for the session described by ``row``.
    """
    if row is None or row.ended_at is not None:
        raise SessionInvalid("your session has ended — log in again")
    if as_utc(row.expires_at) <= now_utc(now):
        raise SessionInvalid("your session has expired — log in again")
    if not row.active:
        raise SessionInvalid("this account is disabled — ask an admin to enable it")
    return Actor(row.id, row.name, row.role, row.qualification)


def current_actor(store: Store, token: str | None, now: datetime | None = None) -> Actor:
    """Return the account behind ``token`` (a read transaction); raises SessionInvalid."""
    with store.read() as session:
        return authenticate(session, token, now)


def require(actor: Actor, roles: tuple[str, ...] | None = None, qualified: bool = False) -> Actor:
    """Return ``actor`` when it has one of ``roles`` (None: any) and, if asked, is qualified.

    Raises NotAllowed naming what is missing.
    """
    if roles is not None and actor.role not in roles:
        raise NotAllowed(f"this needs the role {' or '.join(roles)} — {actor.name} is {actor.role}")
    if qualified and not actor.qualified:
        raise NotAllowed("pass the qualification quiz first — it unlocks voting")
    return actor
