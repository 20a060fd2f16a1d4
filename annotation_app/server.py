"""The app's server: Streamlit's ASGI app (``st.App``) plus the few JSON and file routes that
let the voting player work without a Streamlit rerun.

``dfew-build serve`` runs ``streamlit run annotation_app/server.py -- --db URL ...``; Streamlit
finds :data:`app` here and serves ``app.py`` through it. The routes, all under ``/api/``:

* ``POST /api/session`` turns a one-time login hand-off code into the session cookie
  (HttpOnly, SameSite=Strict, Secure under HTTPS, as long as the login lasts);
* ``GET /api/clip/{clip_id}`` sends a clip file (range requests, private cache) to a browser
  with a live session, and nothing to anyone else;
* ``POST /api/vote`` commits a vote from the player's key and answers with the clip to show now,
  the one to preload next and the annotator's own counts;
* ``POST /api/report`` reports the shown clip as broken and answers the same way;
* ``POST /api/screen`` accepts or rejects the shown candidate and answers with the candidate to
  show now, the one to preload and the queue's counter.
* ``POST /api/undo`` changes the annotator's own last vote and answers the same way.

Every route reads the session token from the cookie and lets :mod:`dfew_build.campaign` check
it, as the pages do; :class:`MediaGate` does the same for Streamlit's own ``/media`` files (the
clips ``st.video`` shows on the quiz, guide and screening pages).
"""

from __future__ import annotations

import math
import os
from functools import cache
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from annotation_app.config import AppConfig, parse_config, script_arguments
from annotation_app.context import SESSION_COOKIE, local_day_start
from annotation_app.handoff import HANDOFFS
from annotation_app.player import candidate_address, clip_address, queue_counter
from dfew_build.campaign.accounts import current_actor, keep_alive
from dfew_build.campaign.clip_files import clip_file_for
from dfew_build.campaign.errors import SessionInvalid
from dfew_build.campaign.screening import decide_for_player
from dfew_build.campaign.vote_casting import my_progress, report_for_player, vote_for_player
from dfew_build.campaign.vote_change import change_for_player
from dfew_build.errors import UserError
from dfew_build.store.engine import Store, open_store

CLIP_CACHE = "private, max-age=3600"
COOKIE_DAYS = 400  # browsers cap cookie lifetimes at 400 days; expiry is the server's
MEDIA_PREFIX = "/media/"  # where Streamlit serves st.video's files
STORE_BUSY = (
    "The annotation store is busy or out of reach right now (another program may hold its "
    "lock) — wait a moment, then reload the page. Votes you saw saved are safe."
)


def store_trouble(exc: Exception) -> bool | None:
    """Show one plain line instead of the traceback of a database error that reached a page
    run (a store locked for longer than its wait, a server gone); return True when it did so,
    None to leave any other error to Streamlit."""
    if isinstance(exc, OperationalError):
        st.error(STORE_BUSY)
        return True
    return None


@cache
def server_config() -> AppConfig:
    """Return the app's configuration from this process's command line and environment."""
    return parse_config(script_arguments(__file__), os.environ)


@cache
def server_store(url: str) -> Store:
    """Return the store the routes use, opened once per process."""
    return open_store(url)


def _refusal(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


STORE_CALL_ERRORS = (UserError, OperationalError)


def _refusal_for(exc: Exception, refused_status: int) -> JSONResponse:
    """Return the JSON refusal for an error of a store call (one of STORE_CALL_ERRORS): 401 for
    a session that is not live, ``refused_status`` for another refused request, 503 while the
    store is out of reach."""
    if isinstance(exc, OperationalError):
        return _refusal(STORE_BUSY, 503)
    return _refusal(str(exc), 401 if isinstance(exc, SessionInvalid) else refused_status)


async def open_session(request: Request) -> Response:
    """Set the session cookie for a valid hand-off code; return 204, or 400 for a bad code."""
    try:
        body = await request.json()
    except ValueError:
        return _refusal("the request is not JSON", 400)
    token = HANDOFFS.redeem(body.get("code") if isinstance(body, dict) else None)
    if token is None:
        return _refusal("this login hand-off is unknown or used — log in again", 400)
    return _with_session_cookie(Response(status_code=204), request, token)


def _with_session_cookie(response: Response, request: Request, token: str) -> Response:
    """Return ``response`` setting the session cookie to ``token`` (HttpOnly, SameSite=Strict,
    Secure under HTTPS, also when a TLS proxy in front says so in X-Forwarded-Proto).

    The cookie outlives any idle limit (COOKIE_DAYS): the server's session row decides expiry
    and revocation, so a page that never refreshes the cookie (the dashboard) does not lose a
    login the server still holds live.
    """
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or forwarded == "https",
        path="/",
    )
    return response


async def clip_file(request: Request) -> Response:
    """Send clip ``clip_id`` to a logged-in browser (range requests honoured); 401 without a
    live session, 404 for a clip that cannot be served."""
    config = server_config()
    store = server_store(config.url)
    token = request.cookies.get(SESSION_COOKIE)
    try:
        path = await run_in_threadpool(
            clip_file_for, store, token, config.clip_dir, request.path_params["clip_id"]
        )
    except STORE_CALL_ERRORS as exc:
        return _refusal_for(exc, 404)
    return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": CLIP_CACHE})


def _seconds_shown(value) -> bool:
    """Return True for what a player may send as its seconds on screen: absent (None) or a
    finite number of seconds, 0 or more."""
    if value is None:
        return True
    return type(value) in (int, float) and math.isfinite(value) and value >= 0


async def _player_action(request: Request, field: str, check, action) -> Response:
    """Run ``action(store, token, lease, value, rules, shown)`` for a JSON body ``{"lease": id,
    field: value, "shown": seconds (optional)}`` whose value passes ``check``; return the
    player's next turn as JSON (saved, message, current, ahead, today, total), 400 for a
    malformed request, 401 without a live session, 403 for an account that may not vote, 503
    while the store is out of reach."""
    try:
        body = await request.json()
    except ValueError:
        return _refusal("the request is not JSON", 400)
    if not isinstance(body, dict):
        body = {}
    lease, value, shown = body.get("lease"), body.get(field), body.get("shown")
    if type(lease) is not int or not check(value):
        return _refusal(f"the request needs an integer lease and a valid {field}", 400)
    if not _seconds_shown(shown):
        return _refusal("shown must be a number of seconds, 0 or more", 400)
    config = server_config()
    store = server_store(config.url)
    token = request.cookies.get(SESSION_COOKIE)

    def turn_and_progress():
        turn = action(store, token, lease, value, config.rules, shown)
        progress = my_progress(store, token, local_day_start())
        keep_alive(store, token, config.rules)  # idle hours count from this use
        return turn, progress

    try:
        turn, progress = await run_in_threadpool(turn_and_progress)
    except STORE_CALL_ERRORS as exc:
        return _refusal_for(exc, 403)
    answer = JSONResponse(
        {
            "saved": turn.saved,
            "message": turn.message,
            "current": clip_address(turn.current),
            "ahead": clip_address(turn.ahead),
            "today": progress.today,
            "total": progress.total,
        }
    )
    return _with_session_cookie(answer, request, token)  # the browser keeps it as long


async def cast_vote(request: Request) -> Response:
    """Commit the vote ``{"lease": id, "emotion": 1..7, "shown": seconds on screen}``; return
    the player's next turn (see :func:`_player_action`)."""

    def vote(store, token, lease, emotion, rules, shown):
        return vote_for_player(store, token, lease, emotion, rules, shown=shown)

    return await _player_action(request, "emotion", _is_int, vote)


async def change_vote(request: Request) -> Response:
    """Change the annotator's last vote ``{"lease": id it was cast under, "emotion": 1..7}``;
    return the player's next turn (see :func:`_player_action`)."""

    def change(store, token, lease, emotion, rules, shown):
        return change_for_player(store, token, lease, emotion, rules)

    return await _player_action(request, "emotion", _is_int, change)


def _is_int(value) -> bool:
    return type(value) is int


async def report_clip(request: Request) -> Response:
    """Report the clip ``{"lease": id, "reason": text}`` as broken; return the player's next
    turn (see :func:`_player_action`)."""

    def report(store, token, lease, reason, rules, shown):
        return report_for_player(store, token, lease, reason, rules)

    return await _player_action(request, "reason", lambda value: isinstance(value, str), report)


class MediaGate:
    """ASGI middleware: Streamlit's ``/media/`` files go only to a browser with a live session
    (401 otherwise, 503 while the store is out of reach); every other request passes as is."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Serve the request, or refuse a ``/media/`` file to a browser without a session."""
        if scope["type"] == "http" and scope["path"].startswith(MEDIA_PREFIX):
            token = Request(scope).cookies.get(SESSION_COOKIE)
            try:
                await run_in_threadpool(current_actor, server_store(server_config().url), token)
            except (SessionInvalid, OperationalError) as exc:
                await _refusal_for(exc, 401)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def screen_clip(request: Request) -> Response:
    """Decide on the shown candidate ``{"lease": clip id, "accept": bool, "reason": text or
    null}``; return the screening player's next turn as JSON (saved, message, current, ahead,
    counter), 400 for a malformed request, 401 without a live session, 403 for an account that
    may not screen, 503 while the store is out of reach."""
    try:
        body = await request.json()
    except ValueError:
        return _refusal("the request is not JSON", 400)
    body = body if isinstance(body, dict) else {}
    clip_id, accept, reason = body.get("lease"), body.get("accept"), body.get("reason")
    if type(clip_id) is not int or type(accept) is not bool or not isinstance(reason, str | None):
        return _refusal("the request needs an integer lease, a boolean accept, a text reason", 400)
    config = server_config()
    store = server_store(config.url)
    token = request.cookies.get(SESSION_COOKIE)
    try:
        turn = await run_in_threadpool(
            decide_for_player, store, token, clip_id, accept, reason, config.rules
        )
    except STORE_CALL_ERRORS as exc:
        return _refusal_for(exc, 403)
    return JSONResponse(
        {
            "saved": turn.saved,
            "message": turn.message,
            "current": candidate_address(turn.current),
            "ahead": candidate_address(turn.ahead),
            "counter": queue_counter(turn),
        }
    )


ROUTES = [
    Route("/api/session", open_session, methods=["POST"]),
    Route("/api/clip/{clip_id:int}", clip_file, methods=["GET", "HEAD"]),
    Route("/api/vote", cast_vote, methods=["POST"]),
    Route("/api/report", report_clip, methods=["POST"]),
    Route("/api/screen", screen_clip, methods=["POST"]),
    Route("/api/undo", change_vote, methods=["POST"]),
]

app = st.App(
    Path(__file__).with_name("app.py"),
    routes=ROUTES,
    middleware=[Middleware(MediaGate)],
    on_script_error=store_trouble,
)
