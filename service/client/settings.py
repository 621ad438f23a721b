"""Where the field CLI finds its server and its key (``LOTPROOF_URL``, ``LOTPROOF_API_KEY``).

Kept apart from ``service.config.Settings`` for now so that the client needs none of the
server's settings; the two fields belong in ``Settings`` once that file is free to change.
"""

from __future__ import annotations

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ClientSettings(BaseSettings):
    # extra="ignore": the same environment carries the server's LOTPROOF_* settings.
    model_config = SettingsConfigDict(env_prefix="LOTPROOF_", extra="ignore")

    url: str = "http://127.0.0.1:8000"
    api_key: SecretStr | None = None
    timeout: float = 30.0

    @field_validator("url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
