"""The server's own routes and headers (ui/routes.py), driven over HTTP with Starlette's
TestClient: the session cookie is set and cleared only with a live single-use hand-off, the
browser is never sent off-site, every response refuses to be framed, and Streamlit's metrics
answer only a signed-in headteacher.

Most tests serve ui.routes.ROUTES behind ServerHardening beside stand-ins for Streamlit's
own routes (its page, its metrics, its websocket), so what the middleware lets through is
seen directly. One module-scoped run drives the real entry point (app.app, st.App) in a
child process: only one Streamlit runtime may exist in a process, and it changes global
configuration that the AppTest suites rely on.

Each weakness found in review (a metrics path ending in a line break, a websocket from
another port of the same host, recovery codes carried over to another account's sign-in,
a refusal without security headers) is pinned by a test here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocketDisconnect
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import load_accounts, record_account, record_active, record_role
from analytics.access.second_factor import begin_enrolment, has_second_factor, record_enrolment
from analytics.access.sessions import (
    HAND_OFF_LIFETIME,
    HAND_OFFS,
    LIFETIME,
    SESSION_COOKIE,
    record_session_start,
    record_sign_out,
)
from analytics.records.opening import open_store
from tests.conftest import PINNED_NOW
from ui.auth import SESSION_TOKEN
from ui.resources import get_store
from ui.routes import (
    HAND_OFF_FIELD,
    METRICS_PATH,
    RETURN_FIELD,
    ROUTES,
    SESSION_END_PATH,
    SESSION_START_PATH,
    ServerHardening,
)

with warnings.catch_warnings():
    # Starlette 1.x would rather have httpx2; the test extra installs httpx, which works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
STAND_IN_METRICS = "# stand-in metrics: sessions and pages"
FRAMING_REFUSED = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-frame-options": "DENY",
}
# Another web server on the same machine (another port): the same site as the dashboard,
# so the browser sends it the SameSite=Strict cookie, but not the same origin.
SAME_HOST_OTHER_PORT = "http://testserver:9999"


async def _stand_in_page(request):
    return PlainTextResponse("the app's page")


async def _stand_in_metrics(request):
    return PlainTextResponse(STAND_IN_METRICS)


async def _stand_in_stream(websocket):
    await websocket.accept()
    await websocket.send_text("connected")
    await websocket.close()


def hardened_server() -> Starlette:
    """Our routes and middleware, with stand-ins where Streamlit's own routes would be."""
    return Starlette(
        routes=[
            *ROUTES,
            Route(METRICS_PATH, _stand_in_metrics),
            Route("/", _stand_in_page),
            WebSocketRoute("/_stcore/stream", _stand_in_stream),
        ],
        middleware=[Middleware(ServerHardening)],
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store with an account of each role (two headteachers), made once: each test has
    its own copy, since hashing four passwords takes most of a second."""
    path = tmp_path_factory.mktemp("template") / "app.duckdb"
    store = open_store(path, now=PINNED_NOW)
    record_account(store, "head", "Ms Head", "headteacher", PASSWORD, actor="t", now=PINNED_NOW)
    record_account(store, "deputy", "Mr Deputy", "headteacher", PASSWORD, actor="t", now=PINNED_NOW)
    record_account(store, "teacher", "A Teacher", "staff", PASSWORD, actor="t", now=PINNED_NOW)
    record_account(store, "governor", "A Gov", "governor", PASSWORD, actor="t", now=PINNED_NOW)
    store.close()
    return path


def _copy_of(template: Path, tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "app.duckdb"
    # The store and what lives beside it (its key file, the audit trail's tail).
    for part in template.parent.glob(template.name + "*"):
        shutil.copy2(part, tmp_path / part.name)
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    return path


def _everyone(store) -> dict[str, object]:
    return {"store": store, **{account.username: account for account in load_accounts(store)}}


@pytest.fixture
def people(template, tmp_path, monkeypatch) -> dict[str, object]:
    """A copy of the template store, which the routes are given in place of the app's own
    (ui.resources.get_store, which also seeds policies and starts the backup thread)."""
    store = open_store(_copy_of(template, tmp_path, monkeypatch), now=PINNED_NOW)
    monkeypatch.setattr("ui.resources.get_store", lambda: store)
    yield _everyone(store)
    store.close()


@pytest.fixture
def people_in_app_store(template, tmp_path, monkeypatch) -> dict[str, object]:
    """A copy of the template store at $DASHBOARD_DB, opened the way the app opens it:
    the routes find it through ui.resources.get_store (closed by the conftest's cache reset)."""
    _copy_of(template, tmp_path, monkeypatch)
    return _everyone(get_store())


def session_of(people, who: str) -> str:
    return record_session_start(people["store"], people[who], how="test", now=PINNED_NOW)


def own_client(scheme: str = "http") -> TestClient:
    """A client whose requests come from the server's own pages, as a browser's do: its
    Origin is the server's own."""
    return TestClient(
        hardened_server(), base_url=f"{scheme}://testserver", follow_redirects=False,
        headers={"origin": f"{scheme}://testserver"},
    )  # fmt: skip


@pytest.fixture
def client() -> TestClient:
    return own_client()


def set_cookies(response) -> list[str]:
    return response.headers.get_list("set-cookie")


def the_cookie(response) -> tuple[str, dict[str, str]]:
    """The one Set-Cookie of a response: its value and its attributes (names lower-cased)."""
    (header,) = set_cookies(response)
    first, *attributes = [part.strip() for part in header.split(";")]
    name, _, value = first.partition("=")
    assert name == SESSION_COOKIE
    parsed = {}
    for attribute in attributes:
        key, _, setting = attribute.partition("=")
        parsed[key.lower()] = setting
    return value, parsed


def start(client: TestClient, hand_off: str | None, next_path: str | None = "/incidents"):
    form = {}
    if hand_off is not None:
        form[HAND_OFF_FIELD] = hand_off
    if next_path is not None:
        form[RETURN_FIELD] = next_path
    return client.post(SESSION_START_PATH, data=form)


def as_cookie(token: str) -> dict[str, str]:
    return {"cookie": f"{SESSION_COOKIE}={token}"}


# --- /session/start ------------------------------------------------------------------------


def test_a_live_hand_off_sets_an_httponly_strict_cookie_and_goes_back_to_the_page(
    people_in_app_store, client
):
    people = people_in_app_store
    token = session_of(people, "teacher")
    response = start(
        client, HAND_OFFS.offer("start", token, now=PINNED_NOW), "/incidents?case=2025-001"
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/incidents?case=2025-001"
    value, attributes = the_cookie(response)
    assert value == token
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "strict"
    assert attributes["path"] == "/"
    assert attributes["max-age"] == str(int(LIFETIME.total_seconds()))
    assert "domain" not in attributes
    # Served over plain HTTP (make run on the loopback address), Secure would lose the cookie.
    assert "secure" not in attributes


def test_over_https_the_cookie_is_secure(people):
    client = own_client("https")
    token = session_of(people, "head")
    response = start(client, HAND_OFFS.offer("start", token, now=PINNED_NOW))
    assert response.status_code == 303
    _, attributes = the_cookie(response)
    assert "secure" in attributes and "httponly" in attributes


def test_a_hand_off_offered_29_seconds_ago_still_works(people, client, time_machine):
    # The clock stands still, so the route redeems the hand-off 29 seconds after, to the dot.
    time_machine.move_to(PINNED_NOW, tick=False)
    token = session_of(people, "head")
    offered = PINNED_NOW - HAND_OFF_LIFETIME + timedelta(seconds=1)
    response = start(client, HAND_OFFS.offer("start", token, now=offered))
    assert response.status_code == 303 and the_cookie(response)[0] == token


REFUSED_HAND_OFFS = {
    "missing": lambda token: None,
    "empty": lambda token: "",
    "made up": lambda token: "bm90LWEtaGFuZC1vZmYtYnV0LWxvb2tzLWxpa2Utb25lLXRvbw",
    "the session token itself": lambda token: token,
    "expired": lambda token: HAND_OFFS.offer(
        "start", token, now=PINNED_NOW - HAND_OFF_LIFETIME - timedelta(seconds=1)
    ),
    "for signing out": lambda token: HAND_OFFS.offer("end", token, now=PINNED_NOW),
}


@pytest.mark.parametrize("kind", REFUSED_HAND_OFFS)
def test_without_a_live_start_hand_off_no_cookie_is_set(people, client, kind):
    token = session_of(people, "head")
    response = start(client, REFUSED_HAND_OFFS[kind](token))
    assert response.status_code == 403
    assert not set_cookies(response)
    assert token not in response.text


def test_a_hand_off_works_once(people, client):
    token = session_of(people, "head")
    hand_off = HAND_OFFS.offer("start", token, now=PINNED_NOW)
    assert start(client, hand_off).status_code == 303
    again = start(client, hand_off)
    assert again.status_code == 403 and not set_cookies(again)


ENDINGS = {
    "signed out in another tab": lambda people, token: record_sign_out(
        people["store"], token, now=PINNED_NOW
    ),
    "deactivated": lambda people, token: record_active(
        people["store"], people["teacher"].id, False, actor="head", now=PINNED_NOW
    ),
    "role changed": lambda people, token: record_role(
        people["store"], people["teacher"].id, "governor", actor="head", now=PINNED_NOW
    ),
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_hand_off_whose_session_ended_meanwhile_sets_no_cookie(people, client, ending):
    token = session_of(people, "teacher")
    hand_off = HAND_OFFS.offer("start", token, now=PINNED_NOW)
    ENDINGS[ending](people, token)
    response = start(client, hand_off)
    assert response.status_code == 403 and not set_cookies(response)


def test_a_get_sets_no_cookie_and_leaves_the_hand_off_unspent(people, client):
    token = session_of(people, "head")
    hand_off = HAND_OFFS.offer("start", token, now=PINNED_NOW)
    for path in (SESSION_START_PATH, SESSION_END_PATH):
        response = client.get(path, params={HAND_OFF_FIELD: hand_off, RETURN_FIELD: "/"})
        assert response.status_code == 405 and not set_cookies(response)
    # A hand-off in a URL is worth nothing, and the GET did not use it up.
    assert start(client, hand_off).status_code == 303


OFF_SITE = [
    "//evil.example",
    "//evil.example/incidents",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/incidents\r\nSet-Cookie: planted=1",
    "/incidents\r\nLocation: https://evil.example",
    "",
]


@pytest.mark.parametrize("next_path", OFF_SITE)
def test_the_return_path_never_leaves_the_site(people, client, next_path):
    response = start(
        client, HAND_OFFS.offer("start", session_of(people, "head"), now=PINNED_NOW), next_path
    )
    assert response.status_code == 303
    assert response.headers.get_list("location") == ["/"]
    assert len(set_cookies(response)) == 1 and "planted" not in response.headers["set-cookie"]


def test_an_encoded_line_break_in_the_return_path_stays_in_the_path(people, client):
    hand_off = HAND_OFFS.offer("start", session_of(people, "head"), now=PINNED_NOW)
    response = start(client, hand_off, "/incidents%0d%0aSet-Cookie:%20planted=1")
    assert response.headers.get_list("location") == ["/incidents%0d%0aSet-Cookie:%20planted=1"]
    assert len(set_cookies(response)) == 1


def test_without_a_return_path_the_browser_goes_home(people, client):
    response = start(
        client, HAND_OFFS.offer("start", session_of(people, "head"), now=PINNED_NOW), None
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


@pytest.mark.parametrize("path", [SESSION_START_PATH, SESSION_END_PATH])
@pytest.mark.parametrize(
    "sent_from",
    [
        {"origin": "https://attacker.example"},
        {"origin": "http://testserver:8502"},  # another program on another port
        {"origin": "null"},  # a sandboxed page or a file
        {"referer": "https://attacker.example/login-csrf.html"},
        {},  # neither: no browser posts a form so
    ],
)
def test_a_post_from_another_site_is_refused_before_its_hand_off_is_read(people, path, sent_from):
    """Login CSRF: the attacker's page posts a hand-off the attacker was given, within its
    30 seconds, to sign the victim's browser into the attacker's account."""
    token = session_of(people, "teacher")
    purpose = "start" if path == SESSION_START_PATH else "end"
    hand_off = HAND_OFFS.offer(purpose, token if purpose == "start" else None, now=PINNED_NOW)
    foreign = TestClient(hardened_server(), follow_redirects=False, headers=sent_from)
    response = foreign.post(path, data={HAND_OFF_FIELD: hand_off, RETURN_FIELD: "/"})
    assert response.status_code == 403 and not set_cookies(response)
    assert "did not come from this app's own pages" in response.text
    # Not read, so not spent: the app's own page can still use it.
    assert own_client().post(path, data={HAND_OFF_FIELD: hand_off}).status_code == 303


def test_a_post_with_only_a_referer_of_this_server_is_taken(people):
    hand_off = HAND_OFFS.offer("start", session_of(people, "head"), now=PINNED_NOW)
    client = TestClient(
        hardened_server(), follow_redirects=False,
        headers={"referer": "http://testserver/incidents"},
    )  # fmt: skip
    assert client.post(SESSION_START_PATH, data={HAND_OFF_FIELD: hand_off}).status_code == 303


# --- /session/end --------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_live_end_hand_off_clears_the_cookie(people, scheme):
    client = own_client(scheme)
    response = client.post(
        SESSION_END_PATH, data={HAND_OFF_FIELD: HAND_OFFS.offer("end", now=PINNED_NOW)}
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    value, attributes = the_cookie(response)
    assert value in ("", '""')
    assert attributes["max-age"] == "0" and attributes["path"] == "/"
    assert "httponly" in attributes and attributes["samesite"].lower() == "strict"


@pytest.mark.parametrize(
    "kind", ["missing", "made up", "spent", "for signing in", "expired", "the session token"]
)
def test_without_a_live_end_hand_off_the_cookie_stays(people, client, kind):
    token = session_of(people, "head")
    if kind == "spent":
        hand_off = HAND_OFFS.offer("end", now=PINNED_NOW)
        assert client.post(SESSION_END_PATH, data={HAND_OFF_FIELD: hand_off}).status_code == 303
    else:
        hand_off = {
            "missing": None,
            "made up": "bm90LWEtaGFuZC1vZmY",
            "for signing in": HAND_OFFS.offer("start", token, now=PINNED_NOW),
            "expired": HAND_OFFS.offer("end", now=PINNED_NOW - timedelta(minutes=1)),
            "the session token": token,
        }[kind]
    form = {} if hand_off is None else {HAND_OFF_FIELD: hand_off}
    response = client.post(SESSION_END_PATH, data=form, headers=as_cookie(token))
    # No form at all is refused before it is read (415); any other, by its hand-off (403).
    assert response.status_code == (415 if hand_off is None else 403)
    assert not set_cookies(response)


@pytest.mark.parametrize("path", [SESSION_START_PATH, SESSION_END_PATH])
def test_a_file_or_a_large_body_is_refused_before_it_is_read(people, client, path):
    hand_off = HAND_OFFS.offer("start", session_of(people, "head"), now=PINNED_NOW)
    upload = client.post(path, files={HAND_OFF_FIELD: ("x.bin", b"x" * 100)})
    assert upload.status_code == 415
    large = client.post(path, data={HAND_OFF_FIELD: hand_off, "padding": "x" * 5000})
    assert large.status_code == 413
    for response in (upload, large):
        assert not set_cookies(response)
        assert response.headers["x-frame-options"] == "DENY"


# --- headers on every response -------------------------------------------------------------


def _metrics_refused(client, people):
    return client.get(METRICS_PATH)


RESPONSES = {
    "a page": lambda client, people: client.get("/"),
    "a refused hand-off": lambda client, people: start(client, "made up"),
    "a cookie set": lambda client, people: start(
        client, HAND_OFFS.offer("start", session_of(people, "head"), now=PINNED_NOW)
    ),
    "a cookie cleared": lambda client, people: client.post(
        SESSION_END_PATH, data={HAND_OFF_FIELD: HAND_OFFS.offer("end", now=PINNED_NOW)}
    ),
    "a wrong method": lambda client, people: client.get(SESSION_START_PATH),
    "no such page": lambda client, people: client.get("/no/such/page"),
    "the metrics, to the headteacher": lambda client, people: client.get(
        METRICS_PATH, headers=as_cookie(session_of(people, "head"))
    ),
    "the metrics, refused": _metrics_refused,
}


@pytest.mark.parametrize("respond", RESPONSES.values(), ids=RESPONSES.keys())
def test_every_response_forbids_framing(people, client, respond):
    response = respond(client, people)
    assert response.status_code < 500
    for name, value in FRAMING_REFUSED.items():
        assert response.headers.get_list(name) == [value], name


# --- /_stcore/metrics ----------------------------------------------------------------------


def _ended_session(people, who: str) -> str:
    token = session_of(people, who)
    record_sign_out(people["store"], token, now=PINNED_NOW)
    return token


def _deactivated_headteacher(people) -> str:
    token = session_of(people, "deputy")
    record_active(people["store"], people["deputy"].id, False, actor="head", now=PINNED_NOW)
    return token


def _demoted_headteacher(people) -> str:
    token = session_of(people, "deputy")
    record_role(people["store"], people["deputy"].id, "staff", actor="head", now=PINNED_NOW)
    return token


NOT_THE_HEADTEACHER = {
    "no cookie": lambda people: None,
    "a made-up token": lambda people: "bm90LWEtc2Vzc2lvbi10b2tlbg",
    "a signed-out headteacher": lambda people: _ended_session(people, "head"),
    "a deactivated headteacher": _deactivated_headteacher,
    "a demoted headteacher": _demoted_headteacher,
    "a governor": lambda people: session_of(people, "governor"),
    "a member of staff": lambda people: session_of(people, "teacher"),
}


@pytest.mark.parametrize("who", NOT_THE_HEADTEACHER)
def test_the_metrics_are_not_found_by_anyone_but_a_signed_in_headteacher(people, client, who):
    token = NOT_THE_HEADTEACHER[who](people)
    response = client.get(METRICS_PATH, headers=as_cookie(token) if token else {})
    assert response.status_code == 404
    assert STAND_IN_METRICS not in response.text


def test_a_signed_in_headteacher_reaches_the_metrics(people_in_app_store, client):
    people = people_in_app_store
    response = client.get(METRICS_PATH, headers=as_cookie(session_of(people, "head")))
    assert response.status_code == 200 and response.text == STAND_IN_METRICS


METRICS_SPELLINGS = [
    ("GET", "/_stcore/metrics/"),
    ("GET", "/_stcore/metrics?families=session_events"),
    ("GET", "/_stcore/metric%73"),
    ("GET", "/%5Fstcore/metrics"),
    ("GET", "/_stcore%2Fmetrics"),
    ("GET", "/_stcore/metrics%2F"),
    ("HEAD", "/_stcore/metrics"),
    ("OPTIONS", "/_stcore/metrics"),
    # A route pattern's `$` also matches before a final line break.
    ("GET", "/_stcore/metrics%0a"),
]


@pytest.mark.parametrize(("method", "path"), METRICS_SPELLINGS)
def test_no_spelling_of_the_metrics_path_gets_past_the_gate(people, client, method, path):
    # Each spelling reaches the stand-in (or its redirect) when the gate does not stop it.
    response = client.request(method, path, headers=as_cookie(session_of(people, "governor")))
    assert STAND_IN_METRICS not in response.text
    assert response.status_code in (404, 405)


# --- the websocket handshake ---------------------------------------------------------------


def test_a_websocket_from_the_apps_own_origin_is_let_through(people, client):
    headers = {"origin": "http://testserver", **as_cookie(session_of(people, "head"))}
    with client.websocket_connect("/_stcore/stream", headers=headers) as websocket:
        assert websocket.receive_text() == "connected"


@pytest.mark.parametrize("origin", [SAME_HOST_OTHER_PORT, None])
def test_a_websocket_from_another_origin_is_refused(people, origin):
    client = TestClient(hardened_server(), follow_redirects=False)  # sends no Origin itself
    headers = as_cookie(session_of(people, "head"))
    if origin:
        headers["origin"] = origin
    try:
        with client.websocket_connect("/_stcore/stream", headers=headers) as websocket:
            answered = websocket.receive_text()
    except WebSocketDisconnect:
        answered = None
    assert answered is None


# --- the real entry point (app.app), in a child process ------------------------------------

_REAL_APP = textwrap.dedent(
    """
    import json, warnings
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect
    from analytics.access.accounts import record_account
    from analytics.access.sessions import HAND_OFFS, record_session_start
    from ui import clock
    from ui.resources import get_store
    import app as entry

    # This process is the app, on the machine's clock: what the test writes agrees with it.
    store = get_store()
    tokens = {
        role: record_session_start(
            store, record_account(store, role, role.title(), role, "correct horse battery",
                                  actor="t", now=clock.now()), how="test", now=clock.now())
        for role in ("headteacher", "governor")
    }
    cookie = lambda role: {"cookie": f"incidents_session={tokens[role]}"} if role else {}
    out = {}
    own_page = {"origin": "http://testserver"}
    with TestClient(entry.app, follow_redirects=False, headers=own_page) as client:
        health = client.get("/_stcore/health")
        out["health"] = [health.status_code, health.headers.get("content-security-policy"),
                         health.headers.get("x-frame-options")]
        out["metrics"] = {
            str(role): client.get("/_stcore/metrics", headers=cookie(role)).status_code
            for role in (None, "governor", "headteacher")
        }
        out["metrics_newline"] = client.get("/_stcore/metrics%0a").status_code
        started = client.post("/session/start", data={
            "hand_off": HAND_OFFS.offer("start", tokens["headteacher"], now=clock.now()),
            "next": "/incidents"})
        out["start"] = [started.status_code, started.headers.get("location"),
                        started.headers.get("set-cookie", "").split("=")[0]]
        refused = client.post("/session/start", data={"hand_off": "made up"})
        out["start_refused"] = [refused.status_code, refused.headers.get("set-cookie")]
        page = client.get("/session/start")
        out["start_get_sets"] = [
            c.split("=")[0] for c in page.headers.get_list("set-cookie")]
        try:
            with client.websocket_connect(
                "/_stcore/stream", subprotocols=["streamlit"],
                headers={"origin": "http://127.0.0.1:9999", **cookie("headteacher")}):
                out["foreign_websocket"] = "accepted"
        except WebSocketDisconnect:
            out["foreign_websocket"] = "refused"
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def real_app(tmp_path_factory) -> dict:
    """What the real st.App answered (see _REAL_APP), on a store of its own."""
    folder = tmp_path_factory.mktemp("real_app")
    done = subprocess.run(
        [sys.executable, "-c", _REAL_APP],
        cwd=ROOT,
        env=os.environ | {"DASHBOARD_DB": str(folder / "app.duckdb")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_real_app_serves_our_routes_and_headers(real_app):
    assert real_app["health"] == [200, "frame-ancestors 'none'", "DENY"]
    assert real_app["metrics"] == {"None": 404, "governor": 404, "headteacher": 200}
    assert real_app["start"] == [303, "/incidents", SESSION_COOKIE]
    assert real_app["start_refused"] == [403, None]
    assert SESSION_COOKIE not in real_app["start_get_sets"]


def test_the_real_app_keeps_its_metrics_from_a_path_ending_in_a_line_break(real_app):
    assert real_app["metrics_newline"] == 404


def test_the_real_app_refuses_a_websocket_from_another_port_of_its_host(real_app):
    assert real_app["foreign_websocket"] == "refused"


# --- the sign-in flow: a second factor cannot be skipped -----------------------------------


def test_recovery_codes_shown_to_one_account_do_not_sign_another_in(people_in_app_store):
    people = people_in_app_store
    store = people["store"]
    earlier = PINNED_NOW - timedelta(minutes=5)
    enrolment = begin_enrolment(store, people["head"].id, username="head", issuer="S", now=earlier)
    code = pyotp.TOTP(enrolment.secret).at(earlier)
    record_enrolment(store, people["head"].id, code, actor="head", now=earlier)
    governor_token = session_of(people, "governor")

    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.session_state[SESSION_TOKEN] = governor_token
    app.run()
    # The governor turns on their own (optional) second factor from the sidebar...
    app.sidebar.toggle(key="set_up_second_factor").set_value(True).run()
    secret = app.sidebar.code[0].value.replace(" ", "")
    next(box for box in app.sidebar.text_input if "code" in box.label).input(
        pyotp.TOTP(secret).now()
    )
    next(b for b in app.sidebar.button if b.label.startswith("Turn on")).click().run()
    if not has_second_factor(store, people["governor"].id):
        pytest.fail("setting up: the governor's second factor was not turned on")
    # ...signs out in another tab, and in this one gives only the headteacher's password.
    record_sign_out(store, governor_token, now=PINNED_NOW)
    app.run()
    app.text_input[0].input("head")
    app.text_input[1].input(PASSWORD)
    next(b for b in app.button if b.label == "Sign in").click().run()
    for button in app.button:
        if button.label.startswith("I have kept these codes"):
            button.click().run()
            break
    if app.exception:
        pytest.fail(f"the app failed: {app.exception}")
    shown = [caption.value for caption in app.sidebar.caption]
    assert not any("Ms Head" in line for line in shown), shown
