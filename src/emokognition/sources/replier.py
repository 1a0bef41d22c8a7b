"""Replying once to a mention: claim the reply in the ledger, post it, record its id.

A kill while posting leaves a claim without a reply id, which is never sent again: at most
once, and logged. A reply refused for sure (4xx) or rate-limited gives its claim back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from emokognition.app import PostLedger, SourcePost
from emokognition.errors import SourceAPIError, SourceAuthError
from emokognition.sources.mentions import Mention, MentionSource
from emokognition.sources.replies import emotion_reply, landmark_reply

logger = logging.getLogger(__name__)

BotType = Literal["emokognition", "landmark"]


@dataclass(frozen=True, slots=True)
class Handled:
    """A recorded picture of a mention, with what the reply says about it."""

    post: SourcePost
    result: dict[str, Any] | None = None


class Replier:
    """Answers mentions on `source`, each once, as the `bot` type does."""

    def __init__(self, source: MentionSource, ledger: PostLedger, bot: BotType) -> None:
        self.source = source
        self.ledger = ledger
        self.bot = bot

    def reply(self, mention: Mention, handled: list[Handled]) -> None:
        """Post the reply about `handled` unless it was claimed before.

        Raises:
            SourceAPIError: Rate-limited: the next poll replies.
            SourceAuthError: Credentials refused.
        """
        name, post_id = self.source.name, mention.post_id
        if self.bot == "landmark":
            text = landmark_reply(mention.author, (h.post.landmark or {} for h in handled))
        else:
            text = emotion_reply(mention.author, (h.result or {} for h in handled))
        claimed, recorded = self.ledger.claim_reply(name, post_id)
        if not claimed:
            replies = {p.reply_id for p in recorded if p.reply_id}
            if replies:
                logger.info("%s post %s: already replied (%s)", name, post_id, ", ".join(replies))
            else:
                logger.warning(
                    "%s post %s: a reply was being sent when a previous run stopped; "
                    "not sending it again, so that it is never sent twice",
                    name,
                    post_id,
                )
            return
        try:
            reply_id = self.source.reply(mention, text)
        except SourceAPIError as exc:
            self._failed(mention, exc)
            return
        except SourceAuthError:
            self.ledger.release_reply(name, post_id)
            raise
        self.ledger.record_reply(name, post_id, reply_id)
        logger.info(
            "%s post %s: %d media recorded, replied %s", name, post_id, len(handled), reply_id
        )

    def _failed(self, mention: Mention, exc: SourceAPIError) -> None:
        """Give the claim back when nothing was posted; stop before the mention (the next
        poll replies) when only a rate limit stood in the way."""
        name, post_id = self.source.name, mention.post_id
        if exc.upstream_status == 429:
            self.ledger.release_reply(name, post_id)
            raise exc
        if exc.upstream_status is not None and exc.upstream_status < 500:
            # Refused for sure: nothing was posted, so a later delivery may try again.
            self.ledger.release_reply(name, post_id)
            logger.warning("%s post %s: reply refused: %s", name, post_id, exc.message)
            return
        logger.warning(
            "%s post %s: reply may or may not have been posted (%s); not sending it again",
            name,
            post_id,
            exc.message,
        )
