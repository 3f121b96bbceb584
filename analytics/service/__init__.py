"""What joins the packages for one request: opening the dashboard's store, backups and
restores, and every file handed out."""

from analytics.service.backup import (
    BackupUnanswered,
    RestoreRefused,
    find_backup,
    request_backup,
    restore_backup,
    serve_backup_requests,
    write_backup,
)
from analytics.service.downloads import (
    DOWNLOAD_PATH,
    DownloadRefused,
    download_url,
    make_download,
)
from analytics.service.opening import open_dashboard_store

__all__ = [
    "DOWNLOAD_PATH",
    "BackupUnanswered",
    "DownloadRefused",
    "RestoreRefused",
    "download_url",
    "find_backup",
    "make_download",
    "open_dashboard_store",
    "request_backup",
    "restore_backup",
    "serve_backup_requests",
    "write_backup",
]
