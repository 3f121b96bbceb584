"""Served as the README says: Debian's nginx, with deploy/nginx-site.conf and a certificate
made here, terminates TLS in front of `streamlit run`, and a real Chromium signs in, works
over the page's websocket, downloads a file and signs out through it. The session cookie is
Secure because the app believes the proxy's X-Forwarded-Proto, which it does only from the
addresses in FORWARDED_ALLOW_IPS (uvicorn's setting; by default this machine's loopback)."""

from __future__ import annotations

import asyncio
import base64
import csv
import http.client
import io
import os
import shutil
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, expect
from streamlit.web.server.starlette import starlette_server

from analytics.access.sessions import SESSION_COOKIE
from tests.browser.conftest import (
    ARTIFACTS,
    NAVIGATION_TIMEOUT_MS,
    PROJECT_ROOT,
    SampleSchool,
    free_port,
    sign_in,
    wait_until_idle,
)
from ui.routes import FORM_TYPE, NOT_FROM_THIS_SITE, SESSION_START_PATH

SITE_FILE = PROJECT_ROOT / "deploy" / "nginx-site.conf"
# Debian puts nginx in /usr/sbin, which is not on every user's PATH.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

# What the site file says for a school, and what the test serves instead: its own port on
# the loopback address, its own certificate, the test's app. Nothing else is changed.
SCHOOL_LISTEN = "listen 443 ssl;"
SCHOOL_CERTIFICATE = "/etc/ssl/certs/incidents.school.example.pem"
SCHOOL_KEY = "/etc/ssl/private/incidents.school.example.key"
SCHOOL_APP = "http://127.0.0.1:8501"

# The rest of an nginx.conf around the site file, as Debian's own /etc/nginx/nginx.conf
# includes it, but with every file nginx writes in the test's folder, in the foreground.
MAIN_CONFIG = """\
daemon off;
{user}
worker_processes 1;
pid {folder}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client-body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""


def render_site(*, listen_port: int, app_port: int, certificate: Path, key: Path) -> str:
    """The site file with the test's port, certificate and app in place of the school's."""
    text = SITE_FILE.read_text()
    replacements = {
        SCHOOL_LISTEN: f"listen 127.0.0.1:{listen_port} ssl;",
        SCHOOL_CERTIFICATE: str(certificate),
        SCHOOL_KEY: str(key),
        SCHOOL_APP: f"http://127.0.0.1:{app_port}",
    }
    for school, test in replacements.items():
        assert text.count(school) == 1, f"{SITE_FILE.name} no longer says {school!r} once"
        text = text.replace(school, test)
    return text


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    certificate, key = folder / "proxy.pem", folder / "proxy.key"
    subprocess.run(
        [OPENSSL, "req", "-x509", "-nodes", "-days", "2", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    return certificate, key


def _unverified() -> ssl.SSLContext:
    """TLS that accepts the test's own certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@contextmanager
def running_proxy(app_port: int, folder: Path) -> Iterator[str]:
    """Debian's nginx serving deploy/nginx-site.conf over TLS in front of the app on
    app_port, as a process of the test's own; yields the proxy's base URL."""
    # CI must prove the journey: a missing nginx fails the run, it never skips.
    assert Path(NGINX).exists(), f"{NGINX} is missing: `make test` installs it"
    assert Path(OPENSSL).exists(), f"{OPENSSL} is missing: `make test` installs it"
    certificate, key = make_certificate(folder)
    port = free_port()
    site = folder / "site.conf"
    site.write_text(
        render_site(listen_port=port, app_port=app_port, certificate=certificate, key=key)
    )
    config = folder / "nginx.conf"
    # As root, nginx's workers would otherwise run as another user, who cannot write here.
    user = "user root;" if os.geteuid() == 0 else ""
    config.write_text(MAIN_CONFIG.format(user=user, folder=folder, site=site))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"nginx-{port}.log"
    log = log_path.open("w")
    proxy = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(config), "-e", str(log_path)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base_url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                # Through the proxy to the app: both ends are up.
                health = urllib.request.urlopen(
                    f"{base_url}/_stcore/health", timeout=2, context=_unverified()
                )
                with health as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start; see {log_path}") from None
                try:
                    proxy.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    continue
                raise RuntimeError(f"nginx exited while starting; see {log_path}") from None
        yield base_url
    finally:
        proxy.terminate()
        try:
            proxy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proxy.kill()
        log.close()


def post_straight_to_the_app(app_port: int, origin: str) -> tuple[int, str]:
    """A sign-in hand-off posted to the app's own port, past the proxy, from origin."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{app_port}{SESSION_START_PATH}",
        data=b"hand_off=anything&next=%2F",
        headers={"Origin": origin, "Content-Type": FORM_TYPE},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except HTTPError as refused:
        return refused.code, refused.read().decode()


def open_websocket(connection: http.client.HTTPConnection, origin: str) -> int:
    """The status of a websocket handshake for the page's stream, sent from origin."""
    connection.request(
        "GET", "/_stcore/stream",
        headers={
            "Origin": origin, "Upgrade": "websocket", "Connection": "Upgrade",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        },
    )  # fmt: skip
    try:
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.browser
def test_through_the_readmes_tls_proxy_sign_in_a_download_and_sign_out_work_with_a_secure_cookie(
    browser: Browser, sample_school: SampleSchool, tmp_path
):
    app_port = urlsplit(sample_school.base_url).port
    with running_proxy(app_port, tmp_path) as proxy_url:
        # The test's certificate is its own: Chromium is told to accept it (cookies marked
        # Secure are still only sent over https).
        context = browser.new_context(
            ignore_https_errors=True, viewport={"width": 1400, "height": 1000}
        )
        try:
            page = context.new_page()
            page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
            sockets = []
            page.on("websocket", lambda socket: sockets.append(socket))
            page.goto(f"{proxy_url}/audit")
            sign_in(page)
            expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
            wait_until_idle(page)

            cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
            assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            # Every screen came over the page's websocket, through the proxy, over TLS; the one
            # the signed-in page opened is still open.
            assert sockets and all(
                s.url == f"{proxy_url.replace('https', 'wss')}/_stcore/stream" for s in sockets
            )
            assert not sockets[-1].is_closed()

            with page.expect_download() as download_info:
                page.get_by_role("link", name="Download these rows (CSV)").click()
            download = download_info.value
            rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8-sig"))))
            assert len(rows) > 1 and any("head" in row for row in rows[1:])

            with page.expect_navigation():
                page.get_by_role("button", name="Sign out", exact=True).click()
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            assert SESSION_COOKIE not in [c["name"] for c in context.cookies()]

            # Straight to the app's own port, past the proxy: a page of another site, or even
            # the proxy's own pages (another port is another origin), is refused before its
            # hand-off is read, and so is a websocket opened from the proxy's pages.
            for origin in ("https://attacker.example", proxy_url):
                assert post_straight_to_the_app(app_port, origin) == (403, NOT_FROM_THIS_SITE)
            straight = http.client.HTTPConnection("127.0.0.1", app_port, timeout=10)
            assert open_websocket(straight, proxy_url) == 403
            # The same handshake through the proxy, from its own pages, is let through.
            proxy_port = urlsplit(proxy_url).port
            proxied = http.client.HTTPSConnection(
                "127.0.0.1", proxy_port, timeout=10, context=_unverified()
            )
            assert open_websocket(proxied, proxy_url) == 101
        finally:
            context.close()


async def _scheme_seen(allowed: str | None, proxy_address: str, monkeypatch) -> str:
    """The scheme the app sees for a request that proxy_address forwards as https, when the
    app is started with FORWARDED_ALLOW_IPS=allowed (or without it)."""
    if allowed is None:
        monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    else:
        monkeypatch.setenv("FORWARDED_ALLOW_IPS", allowed)
    seen = {}

    async def app(scope, receive, send) -> None:
        seen["scheme"] = scope["scheme"]

    # uvicorn's configuration exactly as `streamlit run` builds it (its own logging aside).
    config = uvicorn.Config(app, log_config=None, **starlette_server._get_uvicorn_config_kwargs())
    config.load()
    scope = {
        "type": "http", "scheme": "http", "method": "GET", "path": "/", "query_string": b"",
        "client": (proxy_address, 50000), "server": ("127.0.0.1", 8501),
        "headers": [(b"host", b"incidents.school.example"), (b"x-forwarded-proto", b"https")],
    }  # fmt: skip
    await config.loaded_app(scope, None, None)
    return seen["scheme"]


@pytest.mark.parametrize(
    ("allowed", "proxy_address", "scheme"),
    [
        (None, "127.0.0.1", "https"),  # the README's set-up: the proxy on this machine
        (None, "::1", "https"),
        (None, "192.0.2.10", "http"),  # a proxy on another host, not named: no Secure cookie
        ("192.0.2.10", "192.0.2.10", "https"),  # ... named in FORWARDED_ALLOW_IPS
        ("192.0.2.0/28", "192.0.2.10", "https"),
        ("192.0.2.10", "127.0.0.1", "http"),  # naming it replaces the loopback default
    ],
)
def test_x_forwarded_proto_is_believed_only_from_the_addresses_in_forwarded_allow_ips(
    allowed, proxy_address, scheme, monkeypatch
):
    # In a thread of its own: Playwright's sync API may hold an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        seen = thread.submit(asyncio.run, _scheme_seen(allowed, proxy_address, monkeypatch))
        assert seen.result() == scheme


def test_the_readme_shows_the_proxy_configuration_the_journey_serves_through():
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert f"```nginx\n{SITE_FILE.read_text()}```" in readme
    assert "FORWARDED_ALLOW_IPS" in readme
