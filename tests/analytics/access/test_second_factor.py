"""The second factor: enrolment, one-time codes taken once, recovery codes, lock, reset."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from analytics.access.accounts import (
    AccountInvalid,
    record_account,
    record_active,
)
from analytics.access.second_factor import (
    RECOVERY_CODE_PATTERN,
    WRONG_CODE,
    begin_enrolment,
    check_second_factor,
    code_lock_period,
    count_recovery_codes_left,
    has_second_factor,
    match_time_step,
    record_enrolment,
    record_second_factor_removed,
    record_second_factor_reset,
    requires_second_factor,
)
from analytics.access.session_ending import SESSION_ENDED_SECOND_FACTOR_RESET
from analytics.access.sessions import check_session, record_session_start
from analytics.access.setup_code import (
    UNAMBIGUOUS_ALPHABET,
    issue_setup_code,
    record_first_headteacher,
)
from analytics.access.signing_in import SignInRefused, sign_in
from analytics.problems import Problem
from tests.conftest import PINNED_NOW

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 24, 9, 0, 10)
LATER = NOW + timedelta(minutes=10)  # a sign-in well after enrolment's own time step
STEP = timedelta(seconds=30)
ISSUER = "St Mary's Primary"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def head(store):
    code = issue_setup_code(store, now=PINNED_NOW)
    return record_first_headteacher(
        store, "head", "Ms Head", PASSWORD, setup_code=code, now=PINNED_NOW
    )


@pytest.fixture
def staff(store, head):
    return record_account(
        store, "teacher", "A Teacher", "staff", PASSWORD, actor="head", now=PINNED_NOW
    )


@pytest.fixture
def governor(store, head):
    return record_account(
        store, "gov", "A Governor", "governor", PASSWORD, actor="head", now=PINNED_NOW
    )


def enrol(store, account, when=NOW) -> tuple[str, list[str]]:
    """Enrol the account with its app's code at `when`; its secret and recovery codes."""
    secret = begin_enrolment(
        store, account.id, username=account.username, issuer=ISSUER, now=PINNED_NOW
    ).secret
    codes = record_enrolment(
        store, account.id, pyotp.TOTP(secret).at(when), actor=account.username, now=when
    )
    return secret, codes


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def wrong_code(secret: str, when: datetime) -> str:
    """A six-digit code that no step within a minute of `when` shows."""
    shown = {code_at(secret, when + offset * STEP) for offset in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in shown)


def actions(store) -> list[str]:
    return [row[0] for row in store.read_rows("SELECT action FROM audit_log ORDER BY id")]


def failures(store, account) -> tuple[int, datetime | None]:
    return store.read_rows(
        "SELECT failed_sign_ins, locked_until FROM accounts WHERE id = ?", [account.id]
    )[0]


def test_which_roles_must_have_a_second_factor():
    assert requires_second_factor("headteacher") and requires_second_factor("staff")
    assert not requires_second_factor("governor")
    assert requires_second_factor("a role not yet known")  # an unknown role must


def test_enrolment_is_confirmed_only_by_the_apps_current_code(store, staff):
    enrolment = begin_enrolment(store, staff.id, username="teacher", issuer=ISSUER, now=PINNED_NOW)
    assert not has_second_factor(store, staff.id)
    before = actions(store)
    assert before[-1] == "second factor enrolment begun"
    with pytest.raises(AccountInvalid) as refused:
        record_enrolment(
            store, staff.id, wrong_code(enrolment.secret, NOW), actor="teacher", now=NOW
        )
    assert refused.value.problems == [Problem("code", WRONG_CODE)]
    assert WRONG_CODE == "is not the code your authenticator app shows now"
    # Nothing written: still unconfirmed, no recovery codes, nothing more on the trail.
    assert not has_second_factor(store, staff.id)
    assert store.read_value("SELECT count(*) FROM recovery_codes") == 0
    assert actions(store) == before
    codes = record_enrolment(
        store, staff.id, code_at(enrolment.secret, NOW), actor="teacher", now=NOW
    )
    assert has_second_factor(store, staff.id)
    assert len(codes) == 10 and count_recovery_codes_left(store, staff.id) == 10
    assert actions(store)[-1] == "second factor enrolled"
    confirmed, step = store.read_rows(
        "SELECT confirmed_at, last_time_step FROM second_factors WHERE account_id = ?", [staff.id]
    )[0]
    assert confirmed == NOW and step == pyotp.TOTP(enrolment.secret).timecode(NOW)


def test_a_code_typed_with_a_space_confirms_enrolment(store, staff):
    secret = begin_enrolment(
        store, staff.id, username="teacher", issuer=ISSUER, now=PINNED_NOW
    ).secret
    code = code_at(secret, NOW)
    record_enrolment(store, staff.id, f" {code[:3]} {code[3:]} ", actor="teacher", now=NOW)
    assert has_second_factor(store, staff.id)


def test_the_key_is_shown_in_groups_of_four_and_the_uri_names_school_and_user(store, staff):
    enrolment = begin_enrolment(store, staff.id, username="teacher", issuer=ISSUER, now=PINNED_NOW)
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", enrolment.key_text)
    assert enrolment.secret == enrolment.key_text.replace(" ", "")
    uri = urlparse(enrolment.provisioning_uri)
    query = parse_qs(uri.query)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert query["secret"] == [enrolment.secret] and query["issuer"] == [ISSUER]
    assert uri.path.endswith(":teacher")
    # The secret never appears in a log line or an error through the object's repr.
    assert enrolment.secret not in repr(enrolment)


def test_the_qr_code_is_a_png_of_the_provisioning_uri(store, staff):
    image_module = pytest.importorskip("PIL.Image")
    enrolment = begin_enrolment(store, staff.id, username="teacher", issuer=ISSUER, now=PINNED_NOW)
    assert enrolment.qr_png.startswith(PNG_SIGNATURE)
    # Read back module by module (5 pixels each, a border of 4), it is the URI's QR code.
    expected = segno.make(enrolment.provisioning_uri, error="m").matrix
    image = image_module.open(io.BytesIO(enrolment.qr_png)).convert("L")
    assert image.size == ((len(expected) + 8) * 5,) * 2
    size = len(expected)
    read = [
        [image.getpixel(((column + 4) * 5 + 2, (row + 4) * 5 + 2)) < 128 for column in range(size)]
        for row in range(size)
    ]
    assert read == [[bool(module) for module in line] for line in expected]


def test_a_rerun_shows_the_same_pending_secret_until_a_new_one_is_asked_for(store, staff):
    first = begin_enrolment(store, staff.id, username="teacher", issuer=ISSUER, now=PINNED_NOW)
    again = begin_enrolment(store, staff.id, username="teacher", issuer=ISSUER, now=PINNED_NOW)
    assert again == first
    assert actions(store).count("second factor enrolment begun") == 1
    fresh = begin_enrolment(
        store, staff.id, username="teacher", issuer=ISSUER, restart=True, now=PINNED_NOW
    )
    assert fresh.secret != first.secret
    assert store.read_value("SELECT count(*) FROM second_factors") == 1
    # The replaced secret's code no longer confirms anything.
    with pytest.raises(AccountInvalid, match="code"):
        record_enrolment(store, staff.id, code_at(first.secret, NOW), actor="teacher", now=NOW)
    record_enrolment(store, staff.id, code_at(fresh.secret, NOW), actor="teacher", now=NOW)
    assert has_second_factor(store, staff.id)


def test_a_confirmed_second_factor_is_not_replaced_by_a_new_enrolment(store, staff):
    secret, _ = enrol(store, staff)
    with pytest.raises(AccountInvalid, match="already set up"):
        begin_enrolment(
            store, staff.id, username="teacher", issuer=ISSUER, restart=True, now=PINNED_NOW
        )
    with pytest.raises(AccountInvalid, match="already set up"):
        record_enrolment(store, staff.id, code_at(secret, LATER), actor="teacher", now=LATER)
    assert store.read_value("SELECT secret FROM second_factors") == secret


def test_a_code_is_refused_without_an_enrolment_waiting_for_it(store, staff):
    with pytest.raises(AccountInvalid) as refused:
        record_enrolment(store, staff.id, "123456", actor="teacher", now=NOW)
    assert refused.value.problems[0].field == "code"
    with pytest.raises(AccountInvalid, match="does not exist"):
        begin_enrolment(store, 999, username="nobody", issuer=ISSUER, now=PINNED_NOW)


def test_a_code_is_taken_once_and_never_again(store, staff):
    secret, _ = enrol(store, staff)
    code = code_at(secret, LATER)
    assert check_second_factor(store, staff.id, code, now=LATER)
    assert not check_second_factor(store, staff.id, code, now=LATER)
    assert not check_second_factor(store, staff.id, code, now=LATER + STEP)
    # The next step's code is a new one, and passes.
    assert check_second_factor(store, staff.id, code_at(secret, LATER + STEP), now=LATER + STEP)


def test_the_enrolment_code_cannot_then_be_used_to_sign_in(store, staff):
    secret, _ = enrol(store, staff)
    assert not check_second_factor(store, staff.id, code_at(secret, NOW), now=NOW)


def test_an_earlier_step_is_refused_after_a_later_one(store, staff):
    secret, _ = enrol(store, staff)
    # The phone runs 30 seconds fast: the next step's code is taken, and with it the current.
    assert check_second_factor(store, staff.id, code_at(secret, LATER + STEP), now=LATER)
    assert not check_second_factor(store, staff.id, code_at(secret, LATER), now=LATER)
    assert not check_second_factor(store, staff.id, code_at(secret, LATER - STEP), now=LATER)
    detail = store.read_value(
        "SELECT detail FROM audit_log WHERE action = 'sign-in failed' ORDER BY id DESC LIMIT 1"
    )
    assert detail.startswith("second-factor code already used")


@pytest.mark.parametrize(
    ("steps_off", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_codes_one_step_either_side_of_now_are_taken_but_not_two(store, staff, steps_off, accepted):
    secret, _ = enrol(store, staff)
    code = code_at(secret, LATER + steps_off * STEP)
    assert check_second_factor(store, staff.id, code, now=LATER) is accepted


def test_spaces_and_dashes_in_a_typed_code_are_ignored(store, staff):
    secret, _ = enrol(store, staff)
    code = code_at(secret, LATER)
    assert check_second_factor(store, staff.id, f"{code[:3]} {code[3:]}\n", now=LATER)


def test_ten_distinct_readable_recovery_codes_each_taken_once(store, staff):
    _, codes = enrol(store, staff)
    assert len(set(codes)) == 10
    assert all(RECOVERY_CODE_PATTERN.fullmatch(code) for code in codes)
    assert set("".join(codes).replace("-", "")) <= set(UNAMBIGUOUS_ALPHABET)
    # Typed in lower case, with spaces for dashes, the first passes once.
    typed = codes[0].lower().replace("-", " ")
    assert check_second_factor(store, staff.id, typed, now=LATER)
    assert count_recovery_codes_left(store, staff.id) == 9
    assert not check_second_factor(store, staff.id, codes[0], now=LATER)
    assert check_second_factor(store, staff.id, codes[1].replace("-", ""), now=LATER)
    assert count_recovery_codes_left(store, staff.id) == 8
    used = store.read_rows(
        "SELECT actor, detail FROM audit_log WHERE action = 'recovery code used' ORDER BY id"
    )
    assert used == [("teacher", "9 left"), ("teacher", "8 left")]


def test_a_recovery_code_of_one_account_does_not_open_another(store, staff, governor):
    _, codes = enrol(store, staff)
    enrol(store, governor)
    assert not check_second_factor(store, governor.id, codes[0], now=LATER)
    assert count_recovery_codes_left(store, staff.id) == 10


def test_recovery_codes_and_nothing_in_clear_are_stored(store, staff):
    _, codes = enrol(store, staff)
    check_second_factor(store, staff.id, codes[0], now=LATER)
    columns = store.read_rows(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    )
    assert ("recovery_codes", "code_hash") in columns
    for code in codes:
        for form in (code, code.replace("-", "")):  # compared in capitals
            for table, column in columns:
                found = store.read_value(
                    f'SELECT count(*) FROM "{table}" '
                    f'WHERE contains(upper(CAST("{column}" AS VARCHAR)), upper(?))',
                    [form],
                )
                assert found == 0, (table, column)
    hashes = {row[0] for row in store.read_rows("SELECT code_hash FROM recovery_codes")}
    assert hashes == {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes}


def test_five_refused_codes_lock_the_account_and_its_password(store, staff):
    secret, _ = enrol(store, staff)
    for attempt in range(4):
        assert not check_second_factor(store, staff.id, wrong_code(secret, LATER), now=LATER)
        assert failures(store, staff) == (attempt + 1, None)
    assert not check_second_factor(store, staff.id, wrong_code(secret, LATER), now=LATER)
    assert failures(store, staff) == (0, LATER + timedelta(minutes=15))
    # Locked, even the right code is refused, and so is the password.
    assert not check_second_factor(store, staff.id, code_at(secret, LATER), now=LATER)
    with pytest.raises(SignInRefused, match="locked"):
        sign_in(store, "teacher", PASSWORD, now=LATER + timedelta(minutes=1))
    after = LATER + timedelta(minutes=15, seconds=1)
    assert sign_in(store, "teacher", PASSWORD, now=after).id == staff.id
    assert check_second_factor(store, staff.id, code_at(secret, after), now=after)
    assert failures(store, staff) == (0, None)


def test_a_right_password_does_not_buy_five_more_guesses_at_the_code(store, staff):
    secret, _ = enrol(store, staff)
    for _ in range(3):
        assert not check_second_factor(store, staff.id, wrong_code(secret, LATER), now=LATER)
    sign_in(store, "teacher", PASSWORD, now=LATER)  # resets the password's count
    assert failures(store, staff)[0] == 0
    for _ in range(2):
        assert not check_second_factor(store, staff.id, wrong_code(secret, LATER), now=LATER)
    assert failures(store, staff)[1] == LATER + timedelta(minutes=15)


def test_wrong_passwords_and_wrong_codes_count_together(store, staff):
    secret, _ = enrol(store, staff)
    for _ in range(3):
        with pytest.raises(SignInRefused):
            sign_in(store, "teacher", "not the password", now=LATER)
    for _ in range(2):
        assert not check_second_factor(store, staff.id, wrong_code(secret, LATER), now=LATER)
    assert failures(store, staff)[1] == LATER + timedelta(minutes=15)


def test_a_right_code_resets_the_count_of_failures(store, staff):
    secret, _ = enrol(store, staff)
    for _ in range(4):
        assert not check_second_factor(store, staff.id, wrong_code(secret, LATER), now=LATER)
    assert check_second_factor(store, staff.id, code_at(secret, LATER), now=LATER)
    assert failures(store, staff) == (0, None)
    assert store.read_value("SELECT failed_codes FROM second_factors") == 0


def test_refusals_are_audited_once_per_minute_and_counted(store, staff):
    secret, _ = enrol(store, staff)
    for _ in range(3):
        check_second_factor(store, staff.id, wrong_code(secret, LATER), now=LATER)
    rows = store.read_rows("SELECT actor, detail FROM audit_log WHERE action = 'sign-in failed'")
    assert [actor for actor, _ in rows] == ["teacher"]
    assert rows[0][1].startswith("wrong second-factor code")
    assert store.read_value("SELECT attempts FROM sign_in_failures WHERE username = 'teacher'") == 3


def test_an_inactive_account_or_one_without_a_second_factor_is_refused(store, staff, governor):
    secret, _ = enrol(store, staff)
    record_active(store, staff.id, False, actor="head", now=PINNED_NOW)
    assert not check_second_factor(store, staff.id, code_at(secret, LATER), now=LATER)
    assert not check_second_factor(store, governor.id, "123456", now=LATER)
    assert failures(store, governor)[0] == 1
    assert not check_second_factor(store, 999, "123456", now=LATER)


def test_the_same_code_sent_twice_at_once_passes_once(store, staff):
    secret, _ = enrol(store, staff)
    code = code_at(secret, LATER)
    start = threading.Barrier(8)
    results: list[bool] = []

    def submit():
        start.wait()
        results.append(check_second_factor(store, staff.id, code, now=LATER))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_the_headteachers_reset_clears_the_second_factor(store, staff):
    secret, codes = enrol(store, staff)
    record_second_factor_reset(store, staff.id, actor="head", now=PINNED_NOW)
    assert not has_second_factor(store, staff.id)
    assert count_recovery_codes_left(store, staff.id) == 0
    assert store.read_value("SELECT count(*) FROM second_factors") == 0
    assert store.read_rows("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1") == [
        ("head", "second factor reset")
    ]
    assert not check_second_factor(store, staff.id, code_at(secret, LATER), now=LATER)
    assert not check_second_factor(store, staff.id, codes[0], now=LATER)
    # The next sign-in sets up a new one.
    fresh = begin_enrolment(store, staff.id, username="teacher", issuer=ISSUER, now=PINNED_NOW)
    assert fresh.secret != secret
    with pytest.raises(AccountInvalid, match="does not exist"):
        record_second_factor_reset(store, 999, actor="head", now=PINNED_NOW)


def test_a_reset_of_nothing_is_refused_and_ends_no_session(store, staff):
    token = record_session_start(store, staff, how="password", now=LATER)
    with pytest.raises(AccountInvalid, match="not set up"):
        record_second_factor_reset(store, staff.id, actor="head", now=PINNED_NOW)
    assert check_session(store, token, now=LATER).account == staff


def test_a_reset_ends_every_open_session_of_the_account_and_no_other(store, head, staff):
    enrol(store, staff)
    how = "password and two-factor code"
    # Signed in on a phone (perhaps the lost one) and at school, and the headteacher too.
    phone, desk = (record_session_start(store, staff, how=how, now=LATER) for _ in range(2))
    heads = record_session_start(store, head, how=how, now=LATER)
    record_second_factor_reset(store, staff.id, actor="head", now=PINNED_NOW)
    for token in (phone, desk):
        check = check_session(store, token, now=LATER)
        assert check.account is None and check.ended_why == SESSION_ENDED_SECOND_FACTOR_RESET
    assert check_session(store, heads, now=LATER).account == head
    assert actions(store)[-1] == "second factor reset"


def test_only_a_role_that_need_not_have_one_may_remove_it(store, head, staff, governor):
    for account in (head, staff):
        enrol(store, account)
        written = len(actions(store))
        with pytest.raises(AccountInvalid) as refused:
            record_second_factor_removed(store, account.id, actor=account.username, now=PINNED_NOW)
        assert refused.value.problems[0].field == "second_factor"
        assert has_second_factor(store, account.id) and len(actions(store)) == written
    enrol(store, governor)
    record_second_factor_removed(store, governor.id, actor="gov", now=PINNED_NOW)
    assert not has_second_factor(store, governor.id)
    assert count_recovery_codes_left(store, governor.id) == 0
    assert actions(store)[-1] == "second factor removed"


def test_every_write_is_on_the_audit_trail(store, staff):
    start = len(actions(store))
    secret, codes = enrol(store, staff)
    check_second_factor(store, staff.id, code_at(secret, LATER), now=LATER)
    check_second_factor(store, staff.id, codes[0], now=LATER)
    check_second_factor(store, staff.id, wrong_code(secret, LATER), now=LATER)
    record_second_factor_reset(store, staff.id, actor="head", now=PINNED_NOW)
    assert actions(store)[start:] == [
        "second factor enrolment begun",
        "second factor enrolled",
        "second factor accepted",
        "recovery code used",
        "sign-in failed",
        "second factor reset",
    ]


SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
WHENEVER = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31))


@given(typed=st.text(alphabet="0123456789", min_size=6, max_size=6) | st.text(), when=WHENEVER)
def test_nothing_but_the_codes_of_the_window_matches_a_step(typed, when):
    totp = pyotp.TOTP(SECRET)
    window = {totp.at(when, counter_offset=offset) for offset in (-1, 0, 1)}
    cleaned = re.sub(r"[\s-]+", "", typed)  # spaces and dashes typed around a code are allowed
    assert (match_time_step(SECRET, typed, when) is None) is (cleaned not in window)


@given(when=WHENEVER, offset=st.integers(-3, 3), gap=st.sampled_from(["", " ", "  ", "-"]))
def test_the_code_of_a_step_matches_only_within_one_step_of_now(when, offset, gap):
    totp = pyotp.TOTP(SECRET)
    code = totp.at(when, counter_offset=offset)
    window = [totp.at(when, counter_offset=nearby) for nearby in (-1, 0, 1)]
    step = match_time_step(SECRET, f"{code[:3]}{gap}{code[3:]}", when)
    if -1 <= offset <= 1:
        # The latest step showing the code: two steps may (rarely) show the same one.
        assert step is not None and step - totp.timecode(when) >= offset
        assert totp.generate_otp(step) == code
    elif code not in window:
        assert step is None
    # A step already used, or a later one, is never matched again.
    assert match_time_step(SECRET, code, when, after=totp.timecode(when) + 1) is None


def test_each_lock_from_wrong_codes_is_longer_and_twenty_leave_only_a_recovery_code(store, staff):
    secret, recovery = enrol(store, staff)
    when = LATER
    locks = []
    for _ in range(4):
        for _ in range(5):
            assert not check_second_factor(store, staff.id, wrong_code(secret, when), now=when)
        _, locked_until = failures(store, staff)
        locks.append(locked_until - when)
        when = locked_until + timedelta(seconds=1)
    assert locks == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    # Twenty wrong codes in a row: the app's right code no longer opens the account...
    assert not check_second_factor(store, staff.id, code_at(secret, when), now=when)
    # ...a recovery code, beyond guessing, still does, and clears the count.
    assert check_second_factor(store, staff.id, recovery[0], now=when)
    later = when + timedelta(minutes=1)
    assert check_second_factor(store, staff.id, code_at(secret, later), now=later)


def test_a_lock_from_wrong_codes_never_exceeds_a_day():
    assert code_lock_period(4) is None
    assert code_lock_period(5) == timedelta(minutes=15)
    assert code_lock_period(500) == timedelta(hours=24)
