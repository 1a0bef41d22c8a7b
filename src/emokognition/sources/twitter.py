"""Twitter/X API v2: mentions of the bot's account, their media, replies."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit

from emokognition.errors import SourceAPIError, SourceAuthError
from emokognition.sources.credentials import TwitterCredentials
from emokognition.sources.http import ApiClient
from emokognition.sources.mentions import MediaRef, Mention, cursor_key, is_newer
from emokognition.sources.payloads import as_dict, as_list

logger = logging.getLogger(__name__)

# Each page is newest first; pages stop after this many, so a broken `next_token` cannot loop.
_MAX_PAGES = 100
_MENTION_FIELDS = {
    "max_results": "100",
    "expansions": "attachments.media_keys,author_id",
    "media.fields": "url,type,preview_image_url",
    "tweet.fields": "conversation_id,edit_history_tweet_ids",
    "user.fields": "username",
}


class TwitterSource:
    """Mentions of one account through API v2 at `base` (https://api.twitter.com)."""

    name = "twitter"

    def __init__(self, base: str, credentials: TwitterCredentials, client: ApiClient) -> None:
        self.base = base.rstrip("/")
        self.credentials = credentials
        self.client = client
        self.account = credentials.user_id or ""
        self.api_hosts = frozenset({urlsplit(self.base).hostname or ""})

    def start(self) -> None:
        if self.account:
            return
        username = self.credentials.username or ""
        body = self.client.json(
            "GET",
            f"{self.base}/2/users/by/username/{quote(username, safe='')}",
            auth=self.credentials.reading(),
        )
        user_id = as_dict(as_dict(body).get("data")).get("id")
        if not user_id:
            raise SourceAuthError(f"twitter: no user id for @{username}: {_errors(body)}")
        self.account = str(user_id)
        logger.info("twitter: @%s is user %s", username, self.account)

    def mentions(self, since: str | None) -> list[Mention]:
        found: dict[str, Mention] = {}
        params = dict(_MENTION_FIELDS)
        if since:
            params["since_id"] = since
        for _ in range(_MAX_PAGES):
            body = self.client.json(
                "GET",
                f"{self.base}/2/users/{self.account}/mentions",
                params=params,
                auth=self.credentials.reading(),
            )
            if not isinstance(body, dict):
                raise SourceAPIError("twitter: mentions payload is not a JSON object")
            # Newest first: of a post and its edits, the newest version is kept.
            for mention in _page_mentions(body):
                found.setdefault(mention.post_id, mention)
            token = as_dict(body.get("meta")).get("next_token")
            if not token or not body.get("data"):
                break
            params["pagination_token"] = str(token)
        else:
            logger.warning("twitter: stopped after %d pages of mentions", _MAX_PAGES)
        mentions = [m for m in found.values() if is_newer(m.cursor, since)]
        return sorted(mentions, key=lambda m: cursor_key(m.cursor))

    def reply(self, mention: Mention, text: str) -> str:
        body = self.client.json(
            "POST",
            f"{self.base}/2/tweets",
            json={"text": text, "reply": {"in_reply_to_tweet_id": mention.post_id}},
            auth=self.credentials.writing(),
        )
        reply_id = as_dict(as_dict(body).get("data")).get("id")
        if not reply_id:
            raise SourceAPIError("twitter: the reply was answered without an id")
        return str(reply_id)

    def close(self) -> None:
        self.client.close()


def _page_mentions(body: dict[str, Any]) -> list[Mention]:
    """The page's posts with their media resolved from `includes` (missing ones flagged)."""
    includes = as_dict(body.get("includes"))
    media = {
        str(item["media_key"]): item
        for item in as_list(includes.get("media"))
        if isinstance(item, dict) and item.get("media_key")
    }
    users = {
        str(user["id"]): str(user.get("username") or "")
        for user in as_list(includes.get("users"))
        if isinstance(user, dict) and user.get("id")
    }
    mentions = []
    for post in as_list(body.get("data")):
        if not isinstance(post, dict) or not str(post.get("id", "")).isdigit():
            logger.warning("twitter: skipped a mention without a valid id")
            continue
        keys = as_list(as_dict(post.get("attachments")).get("media_keys"))
        mentions.append(
            Mention(
                post_id=_original(post),
                cursor=str(post["id"]),
                conversation=str(post.get("conversation_id") or "") or None,
                author=users.get(str(post.get("author_id"))) or None,
                media=tuple(_media(str(key), media.get(str(key))) for key in keys),
            )
        )
    return mentions


def _original(post: dict[str, Any]) -> str:
    """The id of the post as first published: an edit comes back with a new id and the ids of
    every version (`edit_history_tweet_ids`, oldest first), and is the same post to us, recorded
    and answered once."""
    history = [str(i) for i in as_list(post.get("edit_history_tweet_ids")) if str(i).isdigit()]
    return history[0] if history else str(post["id"])


def _media(key: str, item: dict[str, Any] | None) -> MediaRef:
    if item is None:
        return MediaRef(key, "unknown", None, problem="media missing from the payload's includes")
    kind = str(item.get("type", "unknown"))
    field = "url" if kind == "photo" else "preview_image_url"
    url = item.get(field)
    if not isinstance(url, str) or not url:
        return MediaRef(key, kind, None, problem=f"{kind} without {field}")
    return MediaRef(key, kind, url)


def _errors(body: Any) -> str:
    errors = as_list(as_dict(body).get("errors"))
    details = [str(as_dict(e).get("detail") or as_dict(e).get("title") or "") for e in errors]
    return "; ".join(d for d in details if d) or "no user in the answer"
