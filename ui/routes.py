"""The server's own routes and headers, beside Streamlit's: the session cookie is set and
cleared here, and every response forbids framing by other sites.

Streamlit's XSRF check does not cover routes of ours, so each one that changes anything
accepts only a POST carrying a single-use hand-off token that a signed-in page was given
(analytics.access.sessions.HAND_OFFS); a page on another site has no way to get one. The paths
keep clear of those st.login uses (/auth/..., /oauth2callback).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from analytics.access import (
    HAND_OFFS,
    LIFETIME,
    SESSION_COOKIE,
    check_session,
    safe_return_path,
)
from analytics.service import (
    DOWNLOAD_PATH,
    DownloadRefused,
    make_download,
)
from ui import clock

SESSION_START_PATH = "/session/start"
SESSION_END_PATH = "/session/end"
HAND_OFF_FIELD, RETURN_FIELD = "hand_off", "next"
# Framing by any site (clickjacking) is refused; the rest keeps the browser from guessing
# types or sending our URLs (with their filters) to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Streamlit's server metrics name sessions and pages: only a signed-in headteacher sees them.
METRICS_PATH = "/_stcore/metrics"

_LOG = logging.getLogger(__name__)


def _store():
    # Imported here: the store is the one the dashboard's pages share (st.cache_resource),
    # opened on first use, never while the server is only starting.
    from ui.resources import (
        get_store,
    )

    return get_store()


# A hand-off form holds two short fields: anything else (a file, a large body) is refused
# before it is read or spooled to disk.
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 4096


async def _read_hand_off_form(request: Request) -> dict[str, str] | Response:
    """The hand-off form's text fields, or the response refusing the request."""
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM_TYPE:
        return PlainTextResponse("Not a form this app sends.", 415)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > MAX_FORM_BYTES:
        return PlainTextResponse("Too large.", 413)
    async with request.form(max_files=0, max_fields=4, max_part_size=1024) as form:
        return {name: value for name, value in form.items() if isinstance(value, str)}


def is_same_site_request(headers: Headers) -> bool:
    """Whether a request that changes something came from a page of this very server: its
    Origin (or, where a browser sends none, its Referer) names the host it was sent to.
    Without it, a hand-off the attacker's own page was given, posted from another site
    within its 30 seconds, would sign a victim's browser into the attacker's account."""
    return _names_host(headers.get("origin") or headers.get("referer"), headers.get("host"))


def _names_host(sent_from: str | None, host: str | None) -> bool:
    """Whether a page's address (an Origin or a Referer) is on this host and port."""
    if not host or not sent_from or sent_from == "null":
        return False
    return urlsplit(sent_from).netloc.lower() == host.lower()


NOT_FROM_THIS_SITE = "Refused: this request did not come from this app's own pages."


async def start_session(request: Request) -> Response:
    """Set the session cookie for the session a hand-off names, and go back to the page."""
    if not is_same_site_request(request.headers):
        return PlainTextResponse(NOT_FROM_THIS_SITE, 403)
    form = await _read_hand_off_form(request)
    if isinstance(form, Response):
        return form
    valid, token = HAND_OFFS.redeem("start", form.get(HAND_OFF_FIELD), now=clock.now())
    if not valid or token is None:
        return PlainTextResponse("This sign-in link has expired. Sign in again.", 403)
    check = await run_in_threadpool(check_session, _store(), token, activity=False, now=clock.now())
    if check.account is None:
        return PlainTextResponse("This sign-in has ended. Sign in again.", 403)
    response = RedirectResponse(safe_return_path(form.get(RETURN_FIELD)), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def end_session(request: Request) -> Response:
    """Clear the session cookie (the session itself was ended in the store already)."""
    if not is_same_site_request(request.headers):
        return PlainTextResponse(NOT_FROM_THIS_SITE, 403)
    form = await _read_hand_off_form(request)
    if isinstance(form, Response):
        return form
    valid, _ = HAND_OFFS.redeem("end", form.get(HAND_OFF_FIELD), now=clock.now())
    if not valid:
        return PlainTextResponse("This sign-out link has expired.", 403)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


def _download_now(cookies: dict[str, str], kind: str, params) -> Response:
    """The file, made for the account as the store holds it at this moment."""
    from ui.resources import (
        get_calendar,
    )

    store = _store()
    check = check_session(store, cookies.get(SESSION_COOKIE), now=clock.now())
    if check.account is None:
        return PlainTextResponse("You are signed out. Sign in again, then download.", 403)
    try:
        made = make_download(
            store, check.account, kind, params, calendar=get_calendar(), now=clock.now()
        )
    except DownloadRefused as refused:
        return PlainTextResponse(str(refused), refused.status)
    return Response(
        made.content,
        media_type=made.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{made.file_name}"',
            # Personal data: kept by no cache, shared or the browser's own.
            "Cache-Control": "no-store",
        },
    )


async def download(request: Request) -> Response:
    """A document or backup, for the session's account, made when asked for."""
    params = {name: request.query_params.getlist(name) for name in request.query_params}
    return await run_in_threadpool(
        _download_now, dict(request.cookies), request.path_params["kind"], params
    )


ROUTES = [
    Route(SESSION_START_PATH, start_session, methods=["POST"]),
    Route(SESSION_END_PATH, end_session, methods=["POST"]),
    Route(DOWNLOAD_PATH + "/{kind}", download, methods=["GET"]),
]


def session_account(request_cookies: dict[str, str]):
    """The account a request's session cookie signs in, or None (not counted as use)."""
    return check_session(
        _store(), request_cookies.get(SESSION_COOKIE), activity=False, now=clock.now()
    ).account


def is_from_own_origin(scope) -> bool:
    """Whether a websocket was opened by a page of this very server (scheme, host and port).

    Browsers send the session cookie to every port of the same host (cookies know no
    ports), and Streamlit's own check lets any port of localhost through: without this, a
    page served by another program on the machine could read the dashboard as whoever is
    signed in.
    """
    headers = Headers(scope=scope)
    return _names_host(headers.get("origin"), headers.get("host"))


class ServerHardening:
    """ASGI middleware: security headers on every HTTP response, the server metrics answered
    only to a signed-in headteacher (anyone else gets "not found"), and websockets only from
    this server's own pages."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            if not is_from_own_origin(scope):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        # Any path that mentions the metrics at all: a route pattern also matches with a
        # trailing line break ("/_stcore/metrics%0a"), and other spellings.
        if METRICS_PATH in scope["path"] or any(
            ord(c) < 0x20 or c == "\x7f" for c in scope["path"]
        ):
            request = Request(scope)
            account = await run_in_threadpool(session_account, dict(request.cookies))
            if account is None or not account.may("read_server_metrics"):
                await PlainTextResponse("Not found", 404)(scope, receive, send_with_headers)
                return
        await self.app(scope, receive, send_with_headers)


def show_script_error(error: Exception) -> bool:
    """Instead of Streamlit's error box (which may offer links to outside services), one
    plain message; the details go to the server's log only, never to the browser."""
    import streamlit as st

    _LOG.error("A page failed at %s", clock.now().isoformat(), exc_info=error)
    st.error(
        "Something went wrong on this page, and it has been logged on the server. Nothing "
        "saved before was lost. Try again; if it happens again, tell whoever runs the server."
    )
    return True
