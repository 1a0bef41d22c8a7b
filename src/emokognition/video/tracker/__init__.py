"""Link faces across analysed frames into tracks: overlap, constant-velocity motion, greedy
matching, short misses tolerated."""

from emokognition.video.tracker.core import Tracker
from emokognition.video.tracker.matching import greedy_match
from emokognition.video.tracker.motion import MovingBox

__all__ = ["MovingBox", "Tracker", "greedy_match"]
