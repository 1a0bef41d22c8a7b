"""Mastodon: mention notifications of the token's account, their images, replies."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import httpx

from emokognition.errors import ConfigError, SourceAPIError, SourceAuthError
from emokognition.sources.credentials import BearerAuth
from emokognition.sources.http import ApiClient
from emokognition.sources.mentions import MediaRef, Mention, cursor_key, is_newer
from emokognition.sources.payloads import as_dict

logger = logging.getLogger(__name__)

_MAX_PAGES = 100
_PAGE_SIZE = "40"
# Attachment type -> the field that holds a picture of it.
_PICTURE_FIELDS = {"image": "url", "gifv": "preview_url", "video": "preview_url"}


class MastodonSource:
    """Mentions of the account that `access_token` belongs to, on the server at `base`."""

    name = "mastodon"

    def __init__(self, base: str, access_token: str, client: ApiClient) -> None:
        if not base:
            raise ConfigError(
                "set MASTODON_API_BASE_URL to the server, e.g. https://mastodon.social"
            )
        if not access_token:
            raise SourceAuthError("set MASTODON_ACCESS_TOKEN to the bot account's access token")
        self.base = base.rstrip("/")
        self.client = client
        self.account = ""
        self.api_hosts = frozenset({urlsplit(self.base).hostname or ""})
        self._auth = BearerAuth(access_token)

    def start(self) -> None:
        body = self.client.json(
            "GET", f"{self.base}/api/v1/accounts/verify_credentials", auth=self._auth
        )
        account = as_dict(body).get("acct") or as_dict(body).get("id")
        if not account:
            raise SourceAPIError("mastodon: verify_credentials named no account")
        self.account = str(account)
        logger.info("mastodon: watching mentions of %s", self.account)

    def mentions(self, since: str | None) -> list[Mention]:
        found: dict[str, Mention] = {}
        url: str | None = f"{self.base}/api/v1/notifications"
        params: dict[str, str] = {"types[]": "mention", "limit": _PAGE_SIZE}
        if since:
            params["since_id"] = since
        for _ in range(_MAX_PAGES):
            if url is None:
                break
            response = self.client.request("GET", url, params=params, auth=self._auth)
            body = _json(response)
            for mention in filter(None, map(_mention, body)):
                found.setdefault(mention.cursor, mention)
            url, params = _next_page(response, since) if body else (None, {})
        else:
            logger.warning("mastodon: stopped after %d pages of notifications", _MAX_PAGES)
        mentions = [m for m in found.values() if is_newer(m.cursor, since)]
        return sorted(mentions, key=lambda m: cursor_key(m.cursor))

    def reply(self, mention: Mention, text: str) -> str:
        payload: dict[str, Any] = {"status": text, "in_reply_to_id": mention.post_id}
        if mention.visibility:
            payload["visibility"] = mention.visibility
        body = self.client.json(
            "POST",
            f"{self.base}/api/v1/statuses",
            json=payload,
            auth=self._auth,
            # The server keeps one status per key: a retried POST cannot reply twice.
            headers={"Idempotency-Key": f"emokognition-reply-{mention.post_id}"},
        )
        reply_id = as_dict(body).get("id")
        if not reply_id:
            raise SourceAPIError("mastodon: the reply was answered without an id")
        return str(reply_id)

    def close(self) -> None:
        self.client.close()


def _json(response: httpx.Response) -> list[Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise SourceAPIError(
            "mastodon: notifications payload is not JSON", upstream_status=response.status_code
        ) from exc
    if not isinstance(body, list):
        raise SourceAPIError(
            "mastodon: notifications payload is not a list", upstream_status=response.status_code
        )
    return body


def _next_page(response: httpx.Response, since: str | None) -> tuple[str | None, dict[str, str]]:
    """The Link header's next (older) page, still bounded by `since`."""
    link = response.links.get("next", {}).get("url")
    if not link:
        return None, {}
    next_url = httpx.URL(link)
    params = dict(next_url.params)
    if since and "since_id" not in params:
        params["since_id"] = since
    return str(next_url.copy_with(query=None)), params


def _mention(notification: Any) -> Mention | None:
    item = as_dict(notification)
    status = as_dict(item.get("status"))
    if item.get("type") != "mention" or not item.get("id") or not status.get("id"):
        if item.get("type") == "mention":
            logger.warning("mastodon: skipped a mention notification without id or status")
        return None
    attachments = status.get("media_attachments")
    return Mention(
        post_id=str(status["id"]),
        cursor=str(item["id"]),
        author=str(as_dict(status.get("account")).get("acct") or "") or None,
        media=tuple(_media(a) for a in attachments if isinstance(a, dict))
        if isinstance(attachments, list)
        else (),
        visibility=str(status.get("visibility") or "") or None,
        # Statuses name no conversation: one author's mentions are answered in turn.
        conversation=str(as_dict(status.get("account")).get("acct") or "") or None,
    )


def _media(attachment: dict[str, Any]) -> MediaRef:
    key = str(attachment.get("id") or "")
    kind = str(attachment.get("type", "unknown"))
    if not key:
        return MediaRef(key, kind, None, problem=f"{kind} attachment without id")
    field = _PICTURE_FIELDS.get(kind)
    if field is None:
        return MediaRef(key, kind, None, problem=f"{kind} attachment is no image")
    url = attachment.get(field)
    if not isinstance(url, str) or not url:
        return MediaRef(key, kind, None, problem=f"{kind} attachment without {field}")
    return MediaRef(key, kind, url)
