"""Storage: SQLAlchemy 2 tables, keyword-only functions over them, Alembic migrations, media.

Every function takes the caller's `session` (from `Database.session()`) as a keyword, as in:

    >>> with database.session() as session:
    ...     analysis = get_analysis(session=session, analysis_id=analysis_id)
"""

from emokognition.store.analyses import (
    count_media_users,
    create_analysis,
    delete_analysis,
    get_analysis,
    list_analyses,
    new_id,
    status_counts,
    utcnow,
)
from emokognition.store.db import Database, make_engine
from emokognition.store.frames import FramePage, append_frames, frame_page
from emokognition.store.job_state import (
    attach_media,
    claim_analysis,
    fail_analysis,
    finish_analysis,
    renew_lease,
    resumable_analyses,
)
from emokognition.store.media import MediaStore
from emokognition.store.migrate import head_revision, upgrade
from emokognition.store.monitoring import Monitoring, read_monitoring
from emokognition.store.overview import (
    BUCKETS,
    Bucket,
    MoodPoint,
    count_analyses,
    face_time_span,
    list_classifiers,
    list_sources,
    mood_over_time,
)
from emokognition.store.posts import (
    claim_reply,
    find_post_media,
    find_source_post,
    get_cursor,
    list_landmarks,
    list_source_posts,
    record_reply,
    record_source_post,
    release_reply,
    set_cursor,
)
from emokognition.store.records import STATUSES, Analysis, JobError, Page, SourcePost, Stats
from emokognition.store.rollups import Difference, RollupCheck, check_rollups
from emokognition.store.stats import get_stats

__all__ = [
    "BUCKETS",
    "STATUSES",
    "Analysis",
    "Bucket",
    "Database",
    "Difference",
    "FramePage",
    "JobError",
    "MediaStore",
    "Monitoring",
    "MoodPoint",
    "Page",
    "RollupCheck",
    "SourcePost",
    "Stats",
    "append_frames",
    "attach_media",
    "check_rollups",
    "claim_analysis",
    "claim_reply",
    "count_analyses",
    "count_media_users",
    "create_analysis",
    "delete_analysis",
    "face_time_span",
    "fail_analysis",
    "find_post_media",
    "find_source_post",
    "finish_analysis",
    "frame_page",
    "get_analysis",
    "get_cursor",
    "get_stats",
    "head_revision",
    "list_analyses",
    "list_classifiers",
    "list_landmarks",
    "list_source_posts",
    "list_sources",
    "make_engine",
    "mood_over_time",
    "new_id",
    "read_monitoring",
    "record_reply",
    "record_source_post",
    "release_reply",
    "renew_lease",
    "resumable_analyses",
    "set_cursor",
    "status_counts",
    "upgrade",
    "utcnow",
]
