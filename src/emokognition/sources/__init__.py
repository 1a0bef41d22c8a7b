"""The bot: Twitter/X and Mastodon mention pollers, the daemon loop, replies, landmarks.

`create_daemon(settings, "twitter").run()` is what `emokognition daemon --source twitter` does.
"""

from emokognition.sources.bot import SOURCES, create_daemon, create_source
from emokognition.sources.daemon import Daemon, DaemonOptions
from emokognition.sources.landmarks import Landmark, LandmarkRecognizer
from emokognition.sources.mentions import MediaRef, Mention, MentionSource

__all__ = [
    "SOURCES",
    "Daemon",
    "DaemonOptions",
    "Landmark",
    "LandmarkRecognizer",
    "MediaRef",
    "Mention",
    "MentionSource",
    "create_daemon",
    "create_source",
]
