"""Build the daemon that `emokognition daemon` runs, from the settings."""

from __future__ import annotations

from typing import Literal

from emokognition.app import create_local_service
from emokognition.config import Settings
from emokognition.sources.credentials import TwitterCredentials
from emokognition.sources.daemon import Daemon, DaemonOptions
from emokognition.sources.http import ApiClient, RetryPolicy
from emokognition.sources.landmarks import LandmarkRecognizer
from emokognition.sources.mastodon import MastodonSource
from emokognition.sources.mentions import MentionSource
from emokognition.sources.recognition import LocalRecognizer, Recognizer, ServiceRecognizer
from emokognition.sources.replier import BotType
from emokognition.sources.twitter import TwitterSource

SourceName = Literal["twitter", "mastodon"]
SOURCES: tuple[SourceName, ...] = ("twitter", "mastodon")


def create_source(name: SourceName, settings: Settings) -> MentionSource:
    """The mention source `name`, configured by the settings.

    Raises:
        ConfigError: Its credentials are not configured or cannot be read.
        SourceAuthError: Mastodon without an access token.
    """
    client = ApiClient(name, RetryPolicy.from_settings(settings))
    if name == "twitter":
        credentials = TwitterCredentials.load(settings.twitter_application_credentials)
        return TwitterSource(settings.twitter_api_base, credentials, client)
    return MastodonSource(settings.mastodon_api_base_url, settings.mastodon_access_token, client)


def create_daemon(
    settings: Settings,
    source: SourceName,
    *,
    bot: BotType | None = None,
    once: bool = False,
    interval: float | None = None,
    reply: bool = True,
) -> Daemon:
    """A daemon on a migrated database; `bot` and `interval` default to the settings."""
    service = create_local_service(settings)
    service.migrate()
    ledger = service.ledger()
    bot = bot or settings.bot_type
    policy = RetryPolicy.from_settings(settings)
    recognizer: Recognizer | None = None
    landmarks: LandmarkRecognizer | None = None
    if bot == "landmark":
        landmarks = LandmarkRecognizer.from_settings(settings, ApiClient("vision", policy))
    elif settings.api_url:
        recognizer = ServiceRecognizer(
            settings.api_url,
            ledger,
            ApiClient("service", policy),
            token=settings.api_token,
            # The service answers within its sync_timeout (202 when still running).
            sync_wait=settings.sync_timeout + settings.bot_http_timeout,
        )
    else:
        recognizer = LocalRecognizer(service)
    initial = settings.initial_tweet_id if source == "twitter" else settings.mastodon_since_id
    options = DaemonOptions(
        bot=bot,
        once=once,
        interval=settings.bot_interval if interval is None else interval,
        reply=reply,
        initial_cursor=initial,
    )
    return Daemon(
        source=create_source(source, settings),
        ledger=ledger,
        settings=settings,
        options=options,
        recognizer=recognizer,
        landmarks=landmarks,
    )
