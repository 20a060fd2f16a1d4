"""Commit-time vote accounting on PostgreSQL (migration 0004) and how a caller opts out of it.

Up to migration 0003 a vote took its clip's row lock the moment it was inserted (the
``vote_cap`` trigger) and kept it to the end of its transaction, so the ten annotators of a
clip voted in single file, each waiting out the others' whole transactions, client round trips
included. From 0004 on PostgreSQL, one deferred constraint trigger, ``vote_settle``, does that
work while the vote commits, inside the server:

* it adds the vote to its clip's ``clip_queue`` count; that row's lock, held from there to the
  end of the commit, lines up the commits of one clip, so each reads an exact count;
* a count above ``store_settings.votes_per_clip`` refuses the vote (the store's vote cap);
* the count that reaches it turns the clip ``complete``, which takes it out of the queue.

A vote on a clip outside the queue (imported votes on a clip not accepted, or a clip completed
meanwhile) first locks the clip row, which also waits out a status change in flight, then
counts again from the queue or else from the clip's votes.

Waiting at commit cannot close a cycle as long as a voting transaction holds no lock that such
a commit waits for (a clip row, a queue row) before it commits: the app's vote locks only its
own lease and reserves the next clip in a transaction of its own. Callers that want a refusal
at the statement instead call :func:`settle_votes_now`: ``import-votes`` and ``import-dfew``,
and the app's vote on a lease that expired, whose slot another annotator may take meanwhile.
SQLite runs one writer at a time and keeps the triggers of migration 0001.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from dfew_build.store.backend import backend_of


def settle_votes_now(session: Session) -> None:
    """Make the votes of the caller's transaction checked as they are inserted, not at commit.

    A vote over the clip's limit then fails at its INSERT, where the caller handles it, rather
    than at COMMIT. A no-op on SQLite, whose triggers always check at once. Returns None.
    """
    if backend_of(session).concurrent_writers:  # only there is vote_settle deferred
        session.connection().exec_driver_sql("SET CONSTRAINTS vote_settle IMMEDIATE")
