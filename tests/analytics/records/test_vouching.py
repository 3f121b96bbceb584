"""Records that vouch for themselves: each write's audit row carries a keyed digest of what
it left, and verify names every record changed, added or removed behind the app's back.

Every tampering here is made as someone with the store file but not its key would: SQL on
the file, outside the app."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from fpdf import FPDF

from analytics.access.accounts import record_account, record_role
from analytics.access.sessions import check_session
from analytics.access.signing_in import SignInRefused, sign_in
from analytics.cases.demo import load_demo_data, remove_demo_data
from analytics.cases.evidence import record_evidence
from analytics.cases.register import record_case, record_escalation
from analytics.cases.retention import anonymise_cases, record_legal_hold
from analytics.cases.rules import EscalationStep
from analytics.records.audit import ROW_COLUMNS, AuditRow, ChainKeys, keyed_link
from analytics.records.audit_tail import write_newest_tail
from analytics.records.audit_verify import verify_audit_trail
from analytics.records.keys import key_path, load_key
from analytics.records.opening import open_store
from analytics.records.settings import RETENTION_YEARS, record_setting
from analytics.records.vouching import RECORDS_VOUCHED
from tests.conftest import PINNED_NOW, make_case

PASSWORD = "a long enough passphrase 1"


@pytest.fixture
def lived_in(store):
    """A store after a term's writes through the app: cases logged, escalated, held and
    disposed, accounts made and changed, a failed sign-in, a setting, demo data come and
    gone."""
    load_demo_data(store, 5, actor="head", now=PINNED_NOW)
    remove_demo_data(store, actor="head", now=PINNED_NOW)
    case_id = record_case(store, make_case(reference="2026-001"), actor="head", now=PINNED_NOW)
    record_escalation(
        store, case_id,
        EscalationStep("written_warning", PINNED_NOW.date(), "letter sent"),
        actor="head", now=PINNED_NOW,
    )  # fmt: skip
    record_legal_hold(
        store, case_id, True, reason="solicitor's letter", actor="head", now=PINNED_NOW
    )
    long_ago = PINNED_NOW.date() - timedelta(days=2500)
    old = record_case(
        store,
        make_case(reference="2019-001", reported_on=long_ago, posted_on=None,
                  closed_on=long_ago + timedelta(days=5), outcome="Taken down",
                  rationale="Resolved at discussion", discussion_on=long_ago + timedelta(days=1),
                  discussion_outcome="removed"),
        actor="head", now=PINNED_NOW,
    )  # fmt: skip
    # Reasons on the trail that its disposal erases.
    record_legal_hold(store, old, True, reason="a claim is expected", actor="head", now=PINNED_NOW)
    record_legal_hold(store, old, False, reason="no claim came", actor="head", now=PINNED_NOW)
    record_account(store, "head", "Ms Head", "headteacher", PASSWORD, actor="setup", now=PINNED_NOW)
    staff = record_account(store, "tom", "Mr T", "staff", PASSWORD, actor="head", now=PINNED_NOW)
    record_role(store, staff.id, "staff", actor="head", now=PINNED_NOW)
    for _ in range(2):
        with pytest.raises(SignInRefused):
            sign_in(store, "tom", "not the password", now=PINNED_NOW)
    record_setting(store, RETENTION_YEARS, "6", actor="head", now=PINNED_NOW)
    return {"case": case_id, "old": old, "staff": staff.id}


def behind_the_apps_back(store, sql: str, params=None) -> None:
    with store.cursor() as cursor:
        cursor.execute(sql, params)


def named(store) -> set[tuple[str, str, str]]:
    verdict = verify_audit_trail(store)
    assert verdict.whole is (verdict.problem is None)
    return {(found.kind, found.record_id, found.problem) for found in verdict.records}


def test_every_write_the_app_makes_leaves_the_records_as_the_trail_vouched(lived_in, store):
    assert anonymise_cases(store, [lived_in["old"]], actor="head", now=PINNED_NOW) == 1
    verdict = verify_audit_trail(store)
    assert verdict.whole, verdict.message
    # Each kind was vouched for by the trail, or sealed.
    kinds = {kind for (kind,) in store.read_rows("SELECT DISTINCT record_type FROM audit_vouches")}
    assert {"incident", "account", "setting"} <= kinds
    sealed = {kind for (kind,) in store.read_rows("SELECT DISTINCT kind FROM counter_seals")}
    assert sealed == {"sign-in failures", "account lock"}


@pytest.mark.parametrize(
    ("tampering", "kind", "which"),
    [
        ("UPDATE incidents SET summary = 'nothing happened' WHERE id = $case", "incident", "case"),
        ("UPDATE escalation_actions SET note = NULL WHERE incident_id = $case", "incident", "case"),
        ("UPDATE incidents SET legal_hold = false WHERE id = $case", "incident", "case"),
        ("UPDATE accounts SET role = 'headteacher' WHERE id = $staff", "account", "staff"),
        ("UPDATE accounts SET password_hash = 'x' WHERE id = $staff", "account", "staff"),
        ("UPDATE accounts SET active = false WHERE id = $staff", "account", "staff"),
        ("UPDATE accounts SET failed_sign_ins = 0 WHERE id = $staff", "account lock", "staff"),
        ("UPDATE settings SET value = '1' WHERE name = 'retention_years'", "setting", None),
    ],
)
def test_a_direct_edit_of_a_record_is_named(lived_in, store, tampering, kind, which):
    params = {name: value for name, value in lived_in.items() if f"${name}" in tampering}
    behind_the_apps_back(store, tampering, params or None)
    record_id = "retention_years" if which is None else str(lived_in[which])
    verdict = verify_audit_trail(store)
    assert (verdict.whole, verdict.problem) == (False, "records changed")
    assert named(store) == {(kind, record_id, "changed")}
    if kind == "account":
        assert "account tom (changed)" in verdict.message


def test_a_failed_sign_in_count_set_back_is_named(lived_in, store):
    behind_the_apps_back(store, "UPDATE sign_in_failures SET attempts = 1")
    assert {(kind, problem) for kind, _, problem in named(store)} == {
        ("sign-in failures", "changed")
    }


def test_a_case_removed_or_added_outside_the_app_is_named(lived_in, store):
    behind_the_apps_back(
        store, "DELETE FROM escalation_actions WHERE incident_id = $1", [lived_in["case"]]
    )
    behind_the_apps_back(store, "DELETE FROM incidents WHERE id = $1", [lived_in["case"]])
    behind_the_apps_back(
        store,
        "INSERT INTO incidents (id, reference, reported_on, platform, categories, posted_by, "
        "stage) SELECT 999, 'X-1', reported_on, platform, categories, posted_by, stage "
        "FROM incidents WHERE id = $1",
        [lived_in["old"]],
    )
    assert named(store) == {
        ("incident", str(lived_in["case"]), "removed"),
        ("incident", "999", "never vouched for"),
    }


def test_a_vouch_rewritten_to_match_the_edit_is_named(lived_in, store):
    """Lines that agree with the edited record, without the key, break the row's digest."""
    behind_the_apps_back(
        store, "UPDATE accounts SET role = 'headteacher' WHERE id = $1", [lived_in["staff"]]
    )
    behind_the_apps_back(
        store, "DELETE FROM audit_vouches WHERE record_type = 'account' AND record_id = $1",
        [str(lived_in["staff"])],
    )  # fmt: skip
    found = named(store)
    assert ("account", str(lived_in["staff"]), "never vouched for") in found
    assert any(problem == "vouches altered" for _, _, problem in found)


def test_text_blanked_on_a_case_never_disposed_is_named_and_a_disposals_own_is_not(lived_in, store):
    assert anonymise_cases(store, [lived_in["old"]], actor="head", now=PINNED_NOW) == 1
    assert verify_audit_trail(store).whole  # the disposal listed what it erased
    (held,) = store.read_rows(
        "SELECT id FROM audit_log WHERE action = 'legal hold placed' AND record_id = $1",
        [str(lived_in["case"])],
    )[0]
    behind_the_apps_back(store, "UPDATE audit_log SET reason = NULL WHERE id = $1", [held])
    verdict = verify_audit_trail(store)
    assert (verdict.problem, verdict.first_bad_row) == ("blanked", held)


def test_the_text_digest_does_not_confirm_a_guess_without_the_key(lived_in, store):
    digest = store.read_value(
        "SELECT reason_digest FROM audit_log WHERE action = 'legal hold placed'"
    )
    assert digest.startswith("hmac:")
    assert hashlib.sha256(b"solicitor's letter").hexdigest() not in digest


# ---------------------------------------------------------------------------- upgrading


def as_before_vouching(store) -> None:
    """Turn a store into one as the app left it before records vouched for themselves
    (migration 14): plain SHA-256 text digests, no erasure lists or vouches, the chain and
    the sealed tail as that app wrote them."""
    keys = ChainKeys.of(load_key(store.path))
    texts = dict(store.read_rows("SELECT id, reason FROM audit_log"))
    rows = [
        AuditRow(*row)
        for row in store.read_rows(f"SELECT {ROW_COLUMNS} FROM audit_log ORDER BY id")
    ]
    previous = ""
    with store.transaction() as cursor:
        for row in rows:

            def plain(text, digest):
                if digest is None:
                    return None
                return hashlib.sha256(text.encode()).hexdigest() if text is not None else "0" * 64

            row = row._replace(
                reason_digest=plain(texts[row.id], row.reason_digest),
                detail_digest=plain(row.detail, row.detail_digest),
                erased_rows=None,
                vouched=None,
            )
            previous = keyed_link(keys.chain, previous, row)
            cursor.execute(
                "UPDATE audit_log SET reason_digest = $1, detail_digest = $2, erased_rows = NULL, "
                "vouched = NULL, chain = $3 WHERE id = $4",
                [row.reason_digest, row.detail_digest, previous, row.id],
            )
        cursor.execute("DELETE FROM audit_vouches")
        cursor.execute("DELETE FROM counter_seals")
        cursor.execute("DELETE FROM schema_migrations WHERE version = 14")
    with store.cursor() as cursor:
        cursor.execute("DROP TABLE audit_vouches")
        cursor.execute("DROP TABLE counter_seals")
        cursor.execute("ALTER TABLE audit_log DROP COLUMN erased_rows")
        cursor.execute("ALTER TABLE audit_log DROP COLUMN vouched")
    write_newest_tail(store)


def test_a_store_from_before_is_upgraded_once_keying_its_digests_and_vouching_for_its_records(
    lived_in, store
):
    assert anonymise_cases(store, [lived_in["old"]], actor="head", now=PINNED_NOW) == 1
    erased = json.loads(
        store.read_value("SELECT erased_rows FROM audit_log WHERE action = 'case anonymised'")
    )
    as_before_vouching(store)  # the disposal's row then listed nothing
    store.close()
    upgraded = open_store(store.path, now=PINNED_NOW)
    try:
        verdict = verify_audit_trail(upgraded)
        assert verdict.whole, verdict.message
        digests = upgraded.read_rows(
            "SELECT reason_digest FROM audit_log WHERE reason_digest IS NOT NULL"
        )
        assert digests and all(digest.startswith("hmac:") for (digest,) in digests)
        (listed,) = upgraded.read_rows(
            "SELECT erased_rows FROM audit_log WHERE action = $1", [RECORDS_VOUCHED]
        )[0]
        assert json.loads(listed) == erased  # listed again, as the disposal on the trail erased
        behind_the_apps_back(
            upgraded, "UPDATE incidents SET summary = 'x' WHERE id = $1", [lived_in["case"]]
        )
        assert named(upgraded) == {("incident", str(lived_in["case"]), "changed")}
    finally:
        upgraded.close()
    again = open_store(store.path, now=PINNED_NOW)  # once: not again at the next open
    try:
        assert (
            again.read_value("SELECT count(*) FROM audit_log WHERE action = $1", [RECORDS_VOUCHED])
            == 1
        )
    finally:
        again.close()


def test_a_later_write_about_a_changed_record_does_not_bless_the_change(lived_in, store):
    """The staff account made headteacher in the file, then signed in and its name changed
    by the app: the trail does not vouch for the role it never wrote."""
    staff = lived_in["staff"]
    behind_the_apps_back(store, "UPDATE accounts SET role = 'headteacher' WHERE id = $1", [staff])
    sign_in(store, "tom", PASSWORD, now=PINNED_NOW)
    record_role(store, staff, "headteacher", actor="head", now=PINNED_NOW)
    assert ("account", str(staff), "changed") in named(store)
    behind_the_apps_back(store, "UPDATE sign_in_failures SET attempts = 9")
    with pytest.raises(SignInRefused):
        sign_in(store, "tom", "wrong again", now=PINNED_NOW)  # the same minute's count
    assert "sign-in failures" in {kind for kind, _, _ in named(store)}


# ------------------------------------------------- attacks found by review (issue 20.3)


def test_an_old_vouch_replayed_under_a_row_that_is_not_there_is_named(lived_in, store):
    """Lines copied onto an audit id no row has (one taken from the sequence, say) do not
    count as the trail's word: the edit stays named and the stray lines are named too."""
    case = str(lived_in["case"])
    behind_the_apps_back(
        store, "DELETE FROM escalation_actions WHERE incident_id = $1", [lived_in["case"]]
    )
    behind_the_apps_back(
        store,
        "INSERT INTO audit_vouches SELECT nextval('audit_id_seq') + 1000, record_type, "
        "record_id, state_digest FROM audit_vouches WHERE record_type = 'incident' AND "
        "record_id = $1 ORDER BY audit_id LIMIT 1",
        [case],
    )
    found = named(store)
    assert ("incident", case, "changed") in found
    assert any(kind == "audit row" and problem == "vouches altered" for kind, _, problem in found)
    # Nor does the app's next write about the case take the stray line as its last vouch.
    record_legal_hold(store, lived_in["case"], False, reason="lifted", actor="head", now=PINNED_NOW)
    assert ("incident", case, "changed") in named(store)


def test_a_minutes_failed_sign_ins_removed_with_their_seal_are_named(lived_in, store):
    behind_the_apps_back(store, "DELETE FROM sign_in_failures WHERE username = 'tom'")
    behind_the_apps_back(store, "DELETE FROM counter_seals WHERE kind = 'sign-in failures'")
    assert {(kind, problem) for kind, _, problem in named(store)} == {
        ("sign-in failures", "removed")
    }


def test_steps_planted_under_the_next_case_id_are_not_vouched_for_with_it(lived_in, store):
    next_id = store.read_value("SELECT max(id) + 1 FROM incidents")
    behind_the_apps_back(
        store,
        "INSERT INTO escalation_actions (id, incident_id, action, taken_on, recorded_at) "
        "SELECT max(id) + 100, $1, 'police', DATE '2026-01-20', now() FROM escalation_actions",
        [next_id],
    )
    assert ("incident", str(next_id), "never vouched for") in named(store)
    case_id = record_case(store, make_case(reference="2026-002"), actor="head", now=PINNED_NOW)
    assert case_id == next_id
    assert ("incident", str(next_id), "never vouched for") in named(store)


def test_evidence_bytes_swapped_in_the_file_are_named(lived_in, store):
    pdf = FPDF()
    pdf.add_page()
    record_evidence(
        store, lived_in["case"], bytes(pdf.output()), "letter.pdf", note=None, actor="head",
        now=PINNED_NOW,
    )  # fmt: skip
    behind_the_apps_back(  # the same length, as the schema asks: other bytes
        store, "UPDATE evidence SET content = (SELECT repeat('x', size_bytes::INTEGER)::BLOB)"
    )
    assert named(store) == {("incident", str(lived_in["case"]), "changed")}


def test_a_session_written_into_the_file_signs_nobody_in(lived_in, store):
    token = "a token of the attacker's own choosing, long enough"
    behind_the_apps_back(
        store,
        "INSERT INTO sessions (token_hash, account_id, role, started_at, last_seen_at) "
        "SELECT $1, id, role, $2, $2 FROM accounts WHERE username = 'head'",
        [hashlib.sha256(token.encode()).hexdigest(), PINNED_NOW],
    )
    assert check_session(store, token, now=PINNED_NOW).account is None


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE audit_log SET erased_rows = 'x' WHERE id = 3",
        "UPDATE audit_log SET erased_rows = '[[1]]' WHERE id = 3",
        "DROP TABLE audit_vouches",
    ],
)
def test_a_malformed_trail_gets_an_answer_not_a_crash(lived_in, store, tampering):
    behind_the_apps_back(store, tampering)
    verdict = verify_audit_trail(store)
    assert not verdict.whole
    assert verdict.problem in {"edited", "unreadable"}


def test_an_upgrade_that_could_not_run_is_tried_again_at_the_next_opening(lived_in, store):
    """A store restored without its key beside it, say: upgraded once the key is back."""
    as_before_vouching(store)
    store.close()
    key = key_path(store.path)
    kept = key.read_bytes()
    key.unlink()
    open_store(store.path, now=PINNED_NOW).close()  # no key: nothing upgraded, nothing made
    key.write_bytes(kept)
    key.chmod(0o600)
    upgraded = open_store(store.path, now=PINNED_NOW)
    try:
        assert verify_audit_trail(upgraded).whole
        assert (
            upgraded.read_value(
                "SELECT count(*) FROM audit_log WHERE action = $1", [RECORDS_VOUCHED]
            )
            == 1
        )
    finally:
        upgraded.close()
