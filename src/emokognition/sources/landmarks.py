"""Landmarks in a picture: Google Cloud Vision `images:annotate` with LANDMARK_DETECTION."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google.auth.exceptions
import google.auth.transport
from google.oauth2 import service_account

from emokognition.config import Settings
from emokognition.errors import ConfigError, CorruptMedia, SourceAPIError, SourceAuthError
from emokognition.sources.http import ApiClient
from emokognition.sources.payloads import as_dict, as_list

logger = logging.getLogger(__name__)

_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


@dataclass(frozen=True, slots=True)
class Landmark:
    """The most likely landmark: its name, score in [0, 1] and Knowledge Graph id."""

    name: str
    score: float
    mid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score, "mid": self.mid}


class LandmarkRecognizer:
    """Asks the Vision API at `base` with an API key or a service account file.

    Raises:
        ConfigError: Neither `GOOGLE_API_KEY` nor `GOOGLE_APPLICATION_CREDENTIALS` is set, or
            the service account file cannot be read.
    """

    def __init__(
        self, base: str, client: ApiClient, *, api_key: str = "", account_file: Path | None = None
    ) -> None:
        if not api_key and account_file is None:
            raise ConfigError(
                "the landmark bot needs GOOGLE_API_KEY or GOOGLE_APPLICATION_CREDENTIALS"
            )
        self.base = base.rstrip("/")
        self.client = client
        self._api_key = api_key
        self._account = None if api_key else _service_account(account_file)
        # Mentions are handled in threads: one of them fetches (or refreshes) the token.
        self._token_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, client: ApiClient) -> LandmarkRecognizer:
        return cls(
            settings.vision_api_base,
            client,
            api_key=settings.google_api_key,
            account_file=settings.google_application_credentials,
        )

    def close(self) -> None:
        self.client.close()

    def recognise(self, image: bytes) -> Landmark | None:
        """The most likely landmark in an encoded image, or None when it sees none.

        Raises:
            SourceAuthError: The key or account is refused.
            SourceAPIError: The API failed.
            CorruptMedia: The API could not read the image.
        """
        request = {
            "image": {"content": base64.b64encode(image).decode("ascii")},
            "features": [{"type": "LANDMARK_DETECTION", "maxResults": 1}],
        }
        body = self.client.json(
            "POST",
            f"{self.base}/v1/images:annotate",
            json={"requests": [request]},
            # The key goes in a header, not in the URL, where logs and proxies would see it.
            headers=self._headers(),
            # Annotating has no side effect: safe to try again after a 5xx or time-out.
            idempotent=True,
        )
        answer = as_dict(next(iter(as_list(as_dict(body).get("responses"))), None))
        error = as_dict(answer.get("error"))
        if error:
            # An error for this picture alone (unreadable, too large): the picture is skipped.
            raise CorruptMedia(f"vision: {error.get('message') or 'error without message'}")
        found = as_dict(next(iter(as_list(answer.get("landmarkAnnotations"))), None))
        if not found.get("description"):
            return None
        return Landmark(
            name=str(found["description"]),
            score=float(found.get("score") or 0.0),
            mid=str(found["mid"]) if found.get("mid") else None,
        )

    def _headers(self) -> dict[str, str]:
        if self._account is None:
            return {"X-Goog-Api-Key": self._api_key}
        headers: dict[str, str] = {}
        try:
            # Fetches (and later refreshes) an access token from the file's token_uri.
            with self._token_lock:
                self._account.before_request(  # type: ignore[no-untyped-call]
                    _Transport(self.client), "POST", self.base, headers
                )
        except google.auth.exceptions.RefreshError as exc:
            raise SourceAuthError(f"vision: the service account was refused: {exc}") from exc
        except google.auth.exceptions.TransportError as exc:
            raise SourceAPIError(f"vision: cannot get an access token: {exc}") from exc
        return headers


def _service_account(path: Path | None) -> service_account.Credentials:
    try:
        credentials: service_account.Credentials = (
            service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                str(path), scopes=_SCOPES
            )
        )
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read GOOGLE_APPLICATION_CREDENTIALS {path}: {exc}") from exc
    return credentials


class _Response(google.auth.transport.Response):
    def __init__(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
        self._status, self._headers, self._data = status, headers, data

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    @property
    def data(self) -> bytes:
        return self._data


class _Transport(google.auth.transport.Request):
    """google-auth's token requests over our httpx client (no `requests` needed)."""

    def __init__(self, client: ApiClient) -> None:
        self._client = client

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> google.auth.transport.Response:
        try:
            response = self._client.raw(method, url, content=body, headers=dict(headers or {}))
        except SourceAPIError as exc:
            raise google.auth.exceptions.TransportError(  # type: ignore[no-untyped-call]
                exc.message
            ) from exc
        return _Response(response.status_code, dict(response.headers), response.content)
