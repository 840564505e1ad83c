"""Runtime configuration, read from the environment and a ``.env`` file.

The variable names are the product's run contract (PRODUCT.md section 7): keep them stable.
Every secret is a ``SecretStr`` so it never shows up in a repr or a log line.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEV_KEY_FILE", "Settings", "normalise_database_url"]

DEV_KEY_FILE = ".dev-encryption-key"


def _dev_key(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    key = Fernet.generate_key().decode()
    path.touch(mode=0o600)
    path.write_text(key)
    return key


def normalise_database_url(url: str) -> str:
    """Give plain database URLs the async driver SQLAlchemy needs."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    env: str = "development"
    database_url: str = Field(default_factory=lambda: f"sqlite:///{os.getcwd()}/bot.db")
    port: int = 3000
    host: str = "127.0.0.1"

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    outreach_webhook_secret: SecretStr | None = None
    encryption_keys: SecretStr | None = None
    public_url: str | None = None

    salesforce_client_id: str | None = None
    salesforce_client_secret: SecretStr | None = None
    salesforce_login_url: str = "https://login.salesforce.com"

    ashby_api_url: str = "https://api.ashbyhq.com"
    crelate_api_url: str = "https://app.crelate.com/api3"
    # Crelate facts the vendor does not document (see bot/connectors/crelate/client.py):
    # RecordType bits for Candidate, Sales/Client Contact, Lead Contact, Employee; the
    # recruiting workflow type whose stages are statuses (empty: all); the Email activity type.
    crelate_record_type_bits: str = "1,2,4,8"
    crelate_workflow_type_id: str | None = None
    crelate_activity_type: str = "Email"
    pcrecruiter_api_url: str = "https://www.pcrecruiter.net/rest/api"
    recruiterflow_api_url: str = "https://api.recruiterflow.com"
    # Per-account names the vendor notes could only infer; each account can rename them.
    recruiterflow_activity_type: str = "Outreach email"
    pcrecruiter_activity_type: str = "EMAIL"
    pcrecruiter_interview_type: str = "PRESENTATION"
    pcrecruiter_interview_status: str = "LINKNAME"
    pcrecruiter_open_job_status: str = "Open"
    pcrecruiter_candidate_status: str = "candidate"
    # Longest wait between retries of one CRM call (backoff and Retry-After alike); longer
    # waits pause the connection instead of holding the pass. Tests set 0.
    crm_retry_wait_seconds: float = 30.0

    sync_interval_seconds: float = 2.0

    # Background work: "auto" runs it in this process on SQLite and through procrastinate
    # (any number of worker processes) on PostgreSQL.
    task_runner: Literal["auto", "inprocess", "procrastinate"] = "auto"
    worker_concurrency: int = Field(default=4, ge=1)
    # SIGTERM: stop taking jobs, let running ones finish this long, then cancel (retried).
    worker_shutdown_seconds: float = Field(default=30.0, ge=0)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0)
    # A worker silent this long is taken for dead and its jobs are run elsewhere.
    worker_stalled_seconds: float = Field(default=30.0, gt=0)
    # Fleets migrate once in a release step (python -m bot migrate) and may turn this off.
    migrate_on_start: bool = True

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @model_validator(mode="after")
    def _production_needs_real_keys(self) -> Settings:
        if self.is_production and self.encryption_keys is None:
            raise ValueError(
                "ENCRYPTION_KEYS must be set when ENV=production "
                "(generate one with: python -m bot generate-key)"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_task_queue(self) -> bool:
        """Jobs go through procrastinate (PostgreSQL), so web and workers may be apart."""
        if self.task_runner == "auto":
            return not self.is_sqlite
        return self.task_runner == "procrastinate"

    @property
    def is_production(self) -> bool:
        return self.env.lower() == "production"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://localhost:{self.port}").rstrip("/")

    @cached_property
    def fernet_keys(self) -> list[str]:
        """Encryption keys, primary first. Without ENCRYPTION_KEYS a development key is
        generated once into ``DEV_KEY_FILE`` so a restarted dev app can still read what it
        stored (refused in production by the validator above)."""
        if self.encryption_keys is None:
            return [_dev_key(Path(DEV_KEY_FILE))]
        return [k.strip() for k in self.encryption_keys.get_secret_value().split(",") if k.strip()]

    @property
    def oauth_install_enabled(self) -> bool:
        """Multi-workspace mode: workspaces install the app through /slack/install, and each
        one's bot token comes from the database instead of SLACK_BOT_TOKEN."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def missing_slack_settings(self) -> list[str]:
        """Names of the variables still needed before Slack requests can be served."""
        if self.slack_client_id and self.slack_client_secret and self.slack_signing_secret:
            return []
        missing = []
        # Socket Mode receives requests over its own authenticated socket: no signing secret.
        if not self.slack_signing_secret and not self.slack_app_token:
            missing.append("SLACK_SIGNING_SECRET")
        if not self.slack_bot_token:
            missing.append("SLACK_BOT_TOKEN")
        return missing
