"""What a social source gives the daemon: mentions with their media, and a way to reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MediaRef:
    """One attached media of a post.

    Attributes:
        key: The source's id for it (Twitter/X media key, Mastodon attachment id).
        kind: The source's type: "photo", "video", "animated_gif", "image", "gifv"...
        url: The image to analyse (a video's preview image); None when there is none.
        problem: Why it cannot be analysed, when known before downloading.
    """

    key: str
    kind: str
    url: str | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A post that mentions the bot's account.

    Attributes:
        post_id: The post to record and reply to (Twitter/X: as first published, whichever
            version of an edited post this is).
        cursor: Where the poller stands once this mention is done (Twitter/X: this version's
            post id, Mastodon: the notification id).
        author: The author's handle without "@", None when the payload lacks it.
        visibility: The post's visibility (Mastodon), kept by the reply.
        conversation: What orders replies: mentions of one conversation are handled in turn
            (Twitter/X: the conversation id, Mastodon: the author); None: the post alone.
    """

    post_id: str
    cursor: str
    author: str | None
    media: tuple[MediaRef, ...]
    visibility: str | None = None
    conversation: str | None = None


class MentionSource(Protocol):
    """Twitter/X or Mastodon, seen as a stream of mentions and a reply box."""

    name: str
    account: str
    # Host names of the configured APIs: their media may sit on private addresses when allowed.
    api_hosts: frozenset[str]

    def start(self) -> None:
        """Check the credentials and find the account (`account` is known afterwards).

        Raises:
            SourceAuthError: Credentials missing, refused or incomplete.
        """

    def mentions(self, since: str | None) -> list[Mention]:
        """Every mention newer than cursor `since` (all when None), oldest first."""

    def reply(self, mention: Mention, text: str) -> str:
        """Post `text` as a reply to the mention; returns the reply's id."""

    def close(self) -> None: ...


def cursor_key(value: str) -> tuple[int, str]:
    """Sort key for ids: numerically when they are numbers (snowflakes), else as text."""
    return (len(value), value) if value.isdigit() else (0, value)


def is_newer(cursor: str, since: str | None) -> bool:
    """True when `cursor` comes after `since` (always when there is no `since`)."""
    return since is None or cursor_key(cursor) > cursor_key(since)
