"""Sign-in and roles in the app: first run, sign-in, each role against each page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import (
    AccountInvalid,
    count_accounts,
    record_active,
    record_password,
    record_role,
)
from analytics.access.roles import PAGES_BY_ROLE
from analytics.access.second_factor import begin_enrolment, record_enrolment
from analytics.access.session_ending import stored_token_digest
from analytics.access.setup_code import issue_setup_code, record_first_headteacher
from analytics.cases.interchange import import_cases_file
from analytics.records.opening import open_store
from analytics.reporting.report import gather_report_figures
from analytics.reporting.snapshots import freeze_report
from analytics.terms import TermCalendar, parse_term
from tests.conftest import PINNED_NOW, SAMPLE_CSV
from tests.views.conftest import (
    APP,
    PASSWORD,
    account_in,
    app_as,
    app_store,
    seeded,
    session_for,
)
from ui.auth import SESSION_TOKEN

PAGES = [
    "overview",
    "incidents",
    "log_incident",
    "termly_report",
    "policies",
    "accounts",
    "audit",
    "retention",
]
INCIDENTS_VIEW = Path(APP).parent / "views" / "incidents.py"
CASE_TEXT = ("2025-003", "F-03", "Comment on the school forum", "example.invalid")


def everything_shown(app: AppTest) -> str:
    """Every piece of text and table the run drew, as one string."""
    parts = [
        e.value
        for kind in (
            "title",
            "header",
            "subheader",
            "markdown",
            "text",
            "caption",
            "info",
            "error",
            "warning",
            "success",
        )
        for e in getattr(app, kind)
    ]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    parts += [str(box.options) for box in app.selectbox]
    return "\n".join(str(part) for part in parts)


def fill_first_run(app: AppTest, setup_code: str) -> AppTest:
    app.text_input[0].input(setup_code)
    app.text_input[1].input("head")
    app.text_input[2].input("Ms Head")
    app.text_input[4].input(PASSWORD)
    app.text_input[5].input(PASSWORD)
    return next(b for b in app.button if b.label.startswith("Create")).click().run()


def test_a_new_store_needs_the_servers_setup_code_for_the_first_account(db_path):
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert app.title[0].value == "Welcome"
    assert not app.dataframe and not app.metric
    # A stranger who never saw the server's console: nothing is created.
    fill_first_run(app, "ABCD-EFGH-JKLM-NPQR")
    assert count_accounts(app_store()) == 0
    assert any("Setup code" in error.value for error in app.error)
    assert app.title[0].value == "Welcome"
    # The code the server prints (a new one voids the one printed at start).
    code = issue_setup_code(app_store(), now=PINNED_NOW)
    fill_first_run(app, code.lower())
    assert count_accounts(app_store()) == 1
    # The headteacher can read every case: two-factor sign-in is set up before any page.
    assert app.title[0].value == "Set up two-factor sign-in"
    assert not app.dataframe and not app.metric
    enrol_in_app(app)
    assert app.title[0].value == "Overview"
    # Used once, the code is void: no second "first" account, and no new code is printed.
    assert issue_setup_code(app_store(), now=PINNED_NOW) is None
    with pytest.raises(AccountInvalid, match="already exists"):
        record_first_headteacher(
            app_store(), "other", "Other", PASSWORD, setup_code=code, now=PINNED_NOW
        )


def test_without_signing_in_there_is_only_the_sign_in_form(db_path):
    account_in(db_path)
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert app.title[0].value == "Sign in"
    assert not app.dataframe and not app.metric
    app.text_input[0].input("head")
    app.text_input[1].input("not the password")
    next(b for b in app.button if b.label == "Sign in").click().run()
    assert app.error[0].value == "That username and password do not match an active account."
    app.text_input[1].input(PASSWORD)
    next(b for b in app.button if b.label == "Sign in").click().run()
    assert app.title[0].value == "Set up two-factor sign-in"
    enrol_in_app(app)
    assert app.title[0].value == "Overview"
    assert app.session_state[SESSION_TOKEN]


def enrol_in_app(app: AppTest) -> tuple[str, list[str]]:
    """Go through the enrolment screen as a phone would: the key shown, its code typed, the
    recovery codes kept; the account's secret and recovery codes."""
    secret = app.code[0].value.replace(" ", "")
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", app.code[0].value)
    (qr_code,) = [e.proto.body for e in app.get("html") if "QR code" in e.proto.body]
    assert 'src="data:image/png;base64,' in qr_code  # inline, never a /media URL
    assert not app.get("image")
    code_box = next(box for box in app.text_input if "code" in box.label.lower())
    code_box.input("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    next(b for b in app.button if b.label == "Turn on two-factor sign-in").click().run()
    assert any("code" in error.value for error in app.error)
    code_box = next(box for box in app.text_input if "code" in box.label.lower())
    code_box.input(pyotp.TOTP(secret).now())
    next(b for b in app.button if b.label == "Turn on two-factor sign-in").click().run()
    assert app.title[0].value == "Your recovery codes"
    codes = app.code[0].value.split("\n")
    assert len(set(codes)) == 10
    next(b for b in app.button if b.label.startswith("I have kept these codes")).click().run()
    return secret, codes


def sign_in_with_password(app: AppTest, username: str) -> AppTest:
    app.text_input[0].input(username)
    app.text_input[1].input(PASSWORD)
    return next(b for b in app.button if b.label == "Sign in").click().run()


def enter_code(app: AppTest, code: str) -> AppTest:
    box = next(box for box in app.text_input if "code" in box.label.lower())
    box.input(code)
    return next(b for b in app.button if b.label == "Sign in").click().run()


def test_an_enrolled_account_signs_in_with_a_fresh_code_or_a_recovery_code_once(db_path):
    head_id = account_in(db_path)
    store = open_store(db_path, now=PINNED_NOW)
    earlier = PINNED_NOW - timedelta(minutes=5)
    enrolment = begin_enrolment(store, head_id, username="head", issuer="School", now=earlier)
    totp = pyotp.TOTP(enrolment.secret)
    recovery = record_enrolment(store, head_id, totp.at(earlier), actor="head", now=earlier)
    store.close()

    app = sign_in_with_password(AppTest.from_file(APP, default_timeout=60).run(), "head")
    assert app.title[0].value == "Sign in: your code"
    assert not app.dataframe and not app.metric
    enter_code(app, totp.at(earlier))  # five minutes old
    assert app.title[0].value == "Sign in: your code"
    code = totp.now()
    enter_code(app, code[:3] + " " + code[3:])
    assert app.title[0].value == "Overview"

    # The same code again, in another browser: refused, as a code already used.
    again = sign_in_with_password(AppTest.from_file(APP, default_timeout=60).run(), "head")
    enter_code(again, code)
    assert again.title[0].value == "Sign in: your code"
    # A recovery code signs in once.
    enter_code(again, recovery[0].lower())
    assert again.title[0].value == "Overview"
    third = sign_in_with_password(AppTest.from_file(APP, default_timeout=60).run(), "head")
    enter_code(third, recovery[0])
    assert third.title[0].value == "Sign in: your code"
    actions = [row[0] for row in app_store().read_rows("SELECT action FROM audit_log")]
    assert actions.count("signed in") == 2


def enrolled_staff(db_path) -> tuple[int, pyotp.TOTP]:
    account_in(db_path)  # the headteacher, who changes the account meanwhile
    staff_id = account_in(db_path, "staff")
    store = open_store(db_path, now=PINNED_NOW)
    try:
        earlier = PINNED_NOW - timedelta(minutes=5)
        enrolment = begin_enrolment(store, staff_id, username="staff", issuer="School", now=earlier)
        totp = pyotp.TOTP(enrolment.secret)
        record_enrolment(store, staff_id, totp.at(earlier), actor="staff", now=earlier)
    finally:
        store.close()
    return staff_id, totp


@pytest.mark.parametrize("change", ["password reset", "role changed", "deactivated"])
def test_a_sign_in_half_finished_when_the_account_changed_does_not_finish(db_path, change):
    """The password was typed, then the headteacher reset it (or demoted or deactivated the
    account) before the code was: the code alone must not sign in, with either the old
    role or the new."""
    staff_id, totp = enrolled_staff(db_path)
    app = sign_in_with_password(AppTest.from_file(APP, default_timeout=60).run(), "staff")
    assert app.title[0].value == "Sign in: your code"
    next(box for box in app.text_input if "code" in box.label.lower()).input(totp.now())
    store = app_store()
    if change == "password reset":
        record_password(store, staff_id, "a new temporary passphrase", actor="head", now=PINNED_NOW)
    elif change == "role changed":
        record_role(store, staff_id, "governor", actor="head", now=PINNED_NOW)
    else:
        record_active(store, staff_id, False, actor="head", now=PINNED_NOW)
    next(button for button in app.button if button.label == "Sign in").click().run()
    assert app.title[0].value == "Sign in"
    assert not any("code" in box.label.lower() for box in app.text_input)
    actions = [row[0] for row in store.read_rows("SELECT action FROM audit_log")]
    assert "signed in" not in actions


def test_a_governor_may_sign_in_without_a_second_factor(db_path):
    account_in(db_path, "governor")
    app = AppTest.from_file(APP, default_timeout=60).run()
    sign_in_with_password(app, "governor")
    assert app.title[0].value == "Overview"
    assert any(e.label == "Two-factor sign-in" for e in app.sidebar.expander)


@pytest.mark.parametrize("role", ["headteacher", "staff", "governor"])
@pytest.mark.parametrize("page", PAGES)
def test_each_role_reaches_exactly_its_pages(db_path, role, page):
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    app = app_as(db_path, role).run()
    if page not in PAGES_BY_ROLE[role]:
        # Navigation does not even register the page for this role.
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(f"views/{page}.py")
        return
    app.switch_page(f"views/{page}.py").run()
    assert not app.exception
    shown = everything_shown(app)
    assert "This page is not open to your role." not in shown
    if role == "governor":
        assert not any(text in shown for text in CASE_TEXT)


def test_a_governor_reaches_no_case_by_query_parameter(db_path):
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    for page in PAGES_BY_ROLE["governor"]:
        app = app_as(db_path, "governor")
        app.query_params["case"] = "3"
        app.query_params["category"] = "threats_of_violence"
        app.run()
        app.switch_page(f"views/{page}.py").run()
        shown = everything_shown(app)
        assert not any(text in shown for text in CASE_TEXT), page


def test_a_view_run_on_its_own_guards_itself(db_path):
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    account_in(db_path, "governor")
    alone = AppTest.from_file(str(INCIDENTS_VIEW), default_timeout=60).run()
    assert alone.title[0].value == "Sign in"
    assert not alone.dataframe
    governor = AppTest.from_file(str(INCIDENTS_VIEW), default_timeout=60)
    governor.session_state[SESSION_TOKEN] = session_for(db_path, account_in(db_path, "governor"))
    governor.run()
    assert governor.error[0].value == "This page is not open to your role."
    assert not governor.dataframe


def test_a_governor_gets_the_report_for_circulation_only(db_path):
    def with_snapshots(store):
        import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
        figures = gather_report_figures(
            store, TermCalendar(), parse_term("Autumn 2025"), school="S", today=date(2026, 3, 1)
        )
        for mode, meeting in [
            ("circulation", date(2026, 1, 20)),
            ("confidential", date(2026, 1, 21)),
        ]:
            freeze_report(store, figures, mode, 5, meeting, actor="head", now=PINNED_NOW)

    seeded(db_path, with_snapshots)
    app = app_as(db_path, "governor")
    app.query_params["mode"] = "confidential"
    app.query_params["term"] = "Autumn 2025"
    app.run()
    app.switch_page("views/termly_report.py").run()
    assert app.radio(key="report.mode").options == ["For circulation"]
    assert app.caption[0].value.startswith("FOR CIRCULATION")
    assert app.selectbox(key="snapshot").options == [
        "Snapshot 1: meeting of 20/01/2026, Autumn 2025, for circulation"
    ]
    assert not any(b.label.startswith("Freeze") for b in app.button)


def test_signing_out_ends_the_session(db_path):
    app = app_as(db_path).run()
    next(b for b in app.button if b.label == "Sign out").click().run()
    assert app.title[0].value == "Sign in"
    actions = [row[0] for row in app_store().read_rows("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-1] == "signed out"


def test_signing_out_everywhere_ends_the_accounts_other_sessions_too(db_path):
    app = app_as(db_path)
    elsewhere = session_for(db_path, account_in(db_path))
    app.run()
    next(b for b in app.button if b.label == "Sign out everywhere").click().run()
    assert app.title[0].value == "Sign in"
    store = app_store()
    assert (
        store.read_value(
            "SELECT count(*) FROM sessions WHERE ended_at IS NULL AND token_hash = ?",
            [stored_token_digest(app_store(), elsewhere)],
        )
        == 0
    )
    actions = [row[0] for row in store.read_rows("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-1] == "signed out everywhere"


def test_changing_the_password_in_the_sidebar_ends_the_other_sessions(db_path):
    app = app_as(db_path)
    elsewhere = session_for(db_path, account_in(db_path))
    app.run()
    form = list(app.sidebar.text_input)
    form[0].input(PASSWORD)
    form[1].input("lantern orchard thimble")
    form[2].input("lantern orchard thimble")
    next(b for b in app.sidebar.button if b.label == "Change the password").click().run()
    assert "Password changed. 1 other session ended." in [s.value for s in app.success]
    assert app.title[0].value != "Sign in"  # this session stays
    assert (
        app_store().read_value(
            "SELECT ended_why FROM sessions WHERE token_hash = ?",
            [stored_token_digest(app_store(), elsewhere)],
        )
        == "your password was changed"
    )


def test_a_deactivated_account_loses_its_session_at_once(db_path):
    staff_id = account_in(db_path, "staff")
    app = app_as(db_path, "staff").run()
    record_active(app_store(), staff_id, False, actor="head", now=PINNED_NOW)
    app.run()
    assert app.title[0].value == "Sign in"


def test_single_sign_on_is_offered_only_where_auth_is_configured(db_path):
    account_in(db_path)
    plain = AppTest.from_file(APP, default_timeout=60).run()
    assert [b.label for b in plain.button] == ["Sign in"]
    configured = AppTest.from_file(APP, default_timeout=60)
    configured.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-real-secret",
        "microsoft": {
            "client_id": "id",
            "client_secret": "s",
            "server_metadata_url": "https://x.invalid",
        },
        "google": {
            "client_id": "id",
            "client_secret": "s",
            "server_metadata_url": "https://y.invalid",
        },
    }
    configured.run()
    assert [b.label for b in configured.button] == [
        "Sign in", "Sign in with Microsoft", "Sign in with Google",
    ]  # fmt: skip


def test_a_browser_session_waits_after_five_refused_sign_ins(db_path):
    account_in(db_path)
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.text_input[0].input("head")
    for _ in range(5):
        app.text_input[1].input("not the password")
        next(b for b in app.button if b.label == "Sign in").click().run()
    tried = app_store().read_value("SELECT sum(attempts) FROM sign_in_failures")
    # The sixth try, even with the right password, waits: nothing is checked or counted.
    app.text_input[1].input(PASSWORD)
    next(b for b in app.button if b.label == "Sign in").click().run()
    assert app.error[0].value.startswith("Too many tries. Wait ")
    assert app.title[0].value == "Sign in"
    assert app_store().read_value("SELECT sum(attempts) FROM sign_in_failures") == tried == 5


def test_a_temporary_password_is_changed_before_any_page_opens(db_path):
    seeded(
        db_path, lambda store: import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    )
    account_id = account_in(db_path, "staff")
    record_password(
        app_store(), account_id, "temporary lantern orchard", actor="head", now=PINNED_NOW
    )
    app = app_as(db_path, "staff").run()
    assert app.title[0].value == "Choose your password"
    assert not app.dataframe and not app.metric
    app.text_input[0].input("temporary lantern orchard")
    app.text_input[1].input("my own quiet meadow song")
    app.text_input[2].input("my own quiet meadow song")
    next(b for b in app.button if b.label == "Change the password").click().run()
    assert app.title[0].value == "Overview"
