"""The Twitter/X credentials file (`TWITTER_APPLICATION_CREDENTIALS`) and request signing."""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from oauthlib.oauth1 import Client as OAuth1Client

from emokognition.errors import ConfigError, SourceAuthError

_OAUTH1_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


@dataclass(frozen=True, slots=True)
class TwitterCredentials:
    """What the file holds; secrets are kept out of `repr`.

    Attributes:
        bearer_token: App-only token for reading mentions.
        user_id: The bot account's id; or `username`, resolved at start.
        oauth1: consumer_key, consumer_secret, access_token, access_token_secret (replies).
        user_access_token: An OAuth 2.0 user token (replies), instead of `oauth1`.
    """

    bearer_token: str = field(repr=False)
    user_id: str | None = None
    username: str | None = None
    oauth1: tuple[str, str, str, str] | None = field(default=None, repr=False)
    user_access_token: str | None = field(default=None, repr=False)

    @classmethod
    def load(cls, path: Path | None) -> TwitterCredentials:
        """Read and check the JSON file.

        Raises:
            ConfigError: No file given, unreadable, not JSON, or missing what reading needs.
        """
        if path is None:
            raise ConfigError("set TWITTER_APPLICATION_CREDENTIALS to the credentials JSON file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read TWITTER_APPLICATION_CREDENTIALS {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path} must hold a JSON object")
        values = {key: str(value) for key, value in data.items() if value not in (None, "")}
        if "bearer_token" not in values or not ({"user_id", "username"} & values.keys()):
            raise ConfigError(f"{path} needs bearer_token and user_id (or username)")
        oauth1 = None
        if all(key in values for key in _OAUTH1_KEYS):
            oauth1 = (
                values["consumer_key"],
                values["consumer_secret"],
                values["access_token"],
                values["access_token_secret"],
            )
        return cls(
            bearer_token=values["bearer_token"],
            user_id=values.get("user_id"),
            username=values.get("username", "").lstrip("@") or None,
            oauth1=oauth1,
            user_access_token=values.get("user_access_token"),
        )

    def reading(self) -> httpx.Auth:
        return BearerAuth(self.bearer_token)

    def writing(self) -> httpx.Auth:
        """Auth for posting replies: OAuth 1.0a user context, else the user access token.

        Raises:
            SourceAuthError: The file has neither.
        """
        if self.oauth1 is not None:
            return OAuth1Auth(*self.oauth1)
        if self.user_access_token:
            return BearerAuth(self.user_access_token)
        raise SourceAuthError(
            "replying needs consumer_key, consumer_secret, access_token and access_token_secret "
            "(or user_access_token) in TWITTER_APPLICATION_CREDENTIALS; or run with --no-reply"
        )


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class OAuth1Auth(httpx.Auth):
    """OAuth 1.0a HMAC-SHA1, signed by oauthlib; JSON bodies are not part of the signature."""

    def __init__(
        self, consumer_key: str, consumer_secret: str, token: str, token_secret: str
    ) -> None:
        self._client = OAuth1Client(
            consumer_key,
            client_secret=consumer_secret,
            resource_owner_key=token,
            resource_owner_secret=token_secret,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        _, headers, _ = self._client.sign(str(request.url), http_method=request.method)
        request.headers["Authorization"] = headers["Authorization"]
        yield request
