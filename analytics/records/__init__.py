"""The records: the store and its migrations, the key file, the audit chain, person
pseudonyms and the school's settings. It decides how anything is kept, never what it means."""

from analytics.records.audit import (
    CASE_ANONYMISED,
    CASE_RECORD_TYPE,
    SERVER_ACTOR_PREFIX,
    command_line_actor,
    describe_actor,
    erase_audit_text,
    record_audit,
    record_case_file_made,
    record_case_opened,
    record_event,
    restart_audit_tail,
)
from analytics.records.audit_keying import prepare_audit_chain
from analytics.records.audit_queries import (
    find_audit_case,
    list_audit_choices,
    load_audit_trail,
)
from analytics.records.audit_verify import (
    verify_audit_trail,
    verify_audit_trail_file,
)
from analytics.records.freshness import (
    load_latest_change,
    load_newest_audit_row,
)
from analytics.records.keys import (
    KeyFileProblem,
    key_path,
)
from analytics.records.opening import (
    database_path,
    open_store,
)
from analytics.records.pseudonyms import (
    KEEP_REPEATS_OF_DISPOSED,
    person_pseudonym,
    pseudonym_key_of,
)
from analytics.records.references import (
    find_case_id,
    find_case_id_in,
)
from analytics.records.settings import (
    BACKUP_FOLDER,
    DEFAULTS,
    MAX_FOLDER_LENGTH,
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    RETENTION_YEARS,
    SCHOOL_NAME,
    SUPPRESSION_THRESHOLD,
    THRESHOLDS,
    backup_folder_problems,
    delete_setting,
    load_setting,
    load_setting_in,
    load_threshold,
    record_setting,
    record_settings,
    write_setting,
)
from analytics.records.store import (
    PRIVATE_FILE,
    PRIVATE_FOLDER,
    Store,
    StoreInUse,
    describe_failure,
    keep_new_files_private,
    make_private_folder,
    quote_identifier,
    wal_path,
    write_private_file,
)
from analytics.records.vouching import (
    ACCOUNT_LOCK,
    SIGN_IN_FAILURES,
    note_counter_change,
    note_records_changed,
)

__all__ = [
    "ACCOUNT_LOCK",
    "BACKUP_FOLDER",
    "CASE_ANONYMISED",
    "CASE_RECORD_TYPE",
    "DEFAULTS",
    "KEEP_REPEATS_OF_DISPOSED",
    "MAX_FOLDER_LENGTH",
    "MAX_THRESHOLD",
    "MIN_THRESHOLD",
    "PRIVATE_FILE",
    "PRIVATE_FOLDER",
    "RETENTION_YEARS",
    "SCHOOL_NAME",
    "SERVER_ACTOR_PREFIX",
    "SIGN_IN_FAILURES",
    "SUPPRESSION_THRESHOLD",
    "THRESHOLDS",
    "KeyFileProblem",
    "Store",
    "StoreInUse",
    "backup_folder_problems",
    "command_line_actor",
    "database_path",
    "delete_setting",
    "describe_actor",
    "describe_failure",
    "erase_audit_text",
    "find_audit_case",
    "find_case_id",
    "find_case_id_in",
    "keep_new_files_private",
    "key_path",
    "list_audit_choices",
    "load_audit_trail",
    "load_latest_change",
    "load_newest_audit_row",
    "load_setting",
    "load_setting_in",
    "load_threshold",
    "make_private_folder",
    "note_counter_change",
    "note_records_changed",
    "open_store",
    "person_pseudonym",
    "prepare_audit_chain",
    "pseudonym_key_of",
    "quote_identifier",
    "record_audit",
    "record_case_file_made",
    "record_case_opened",
    "record_event",
    "record_setting",
    "record_settings",
    "restart_audit_tail",
    "verify_audit_trail",
    "verify_audit_trail_file",
    "wal_path",
    "write_private_file",
    "write_setting",
]
