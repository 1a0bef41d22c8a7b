"""Media kept exactly while analyses use them.

A file is taken up (an analysis row names its sha256) and dropped (the last such row deleted)
by different processes at once: an upload of bytes that are already stored must not skip
writing them while a delete of the last analysis that used them unlinks the file. Both take
the media's row lock first (`hold_media`, an upsert: a row lock on PostgreSQL, the database's
write lock on SQLite) and keep it until they commit:

- taking up: hold, record the analysis, move the staged file into place unless it is there,
  commit. The bytes are written to a temporary file before the lock, and nothing reaches the
  media folder unless the database took the lock: a database that is down leaves no file.
- dropping: (the analysis deleted and committed first) hold, count the analyses that use the
  file, unlink it and its row when none, commit. A process killed between the two leaves a
  file nobody uses, never an analysis without its file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from emokognition.errors import EmokognitionError
from emokognition.store.analyses import count_media_users, utcnow
from emokognition.store.db import Database
from emokognition.store.media import MediaStore
from emokognition.store.models import MediaRow

logger = logging.getLogger(__name__)


def hold_media(*, session: Session, sha256: str, now: datetime | None = None) -> None:
    """Take the media's lock until the transaction ends (its row, created when missing).

    Call it first in the transaction: on SQLite a write as the first statement waits for the
    write lock and then reads the newest data.
    """
    at = now or utcnow()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(MediaRow)
        .values(sha256=sha256, stored_at=at, used_at=at)
        .on_conflict_do_update(index_elements=["sha256"], set_={"used_at": at})
    )


def drop_media_row(*, session: Session, sha256: str) -> bool:
    """Under `hold_media`: delete the media's row when no analysis uses it; True then."""
    if count_media_users(session=session, sha256=sha256):
        return False
    session.execute(delete(MediaRow).where(MediaRow.sha256 == sha256))
    return True


class MediaKeeper:
    """Adds and drops stored media in step with the analyses that use them.

    Args:
        database: Where the analyses and the media rows are.
        files: Where the media files are.
    """

    def __init__(self, database: Database, files: MediaStore) -> None:
        self.database = database
        self.files = files

    @contextmanager
    def taking_up(self, data: bytes) -> Iterator[tuple[Session, str]]:
        """A transaction holding the media of `data`: record what uses it in the yielded
        session; on leaving, the file is in place and the transaction committed.

        Raises:
            Unavailable: The database cannot be reached (no file is left behind).
        """
        staged = self.files.stage(data)
        placed = False
        try:
            with self.database.session() as session:
                hold_media(session=session, sha256=staged.sha256)
                yield session, staged.sha256
                placed = self.files.place(staged)
        except BaseException:
            if placed:  # the commit failed after the file was moved in: nobody may use it
                self._drop_quietly(staged.sha256)
            raise
        finally:
            staged.discard()

    def drop(self, sha256: str | None) -> bool:
        """Remove the media (and its previews) unless an analysis uses it; True when removed.

        Call it after the transaction that deleted an analysis committed.
        """
        if sha256 is None:
            return False
        with self.database.session() as session:
            hold_media(session=session, sha256=sha256)
            if not drop_media_row(session=session, sha256=sha256):
                return False
            # Still under the lock: nobody takes the file up before it is gone.
            return self.files.delete(sha256)

    def _drop_quietly(self, sha256: str) -> None:
        try:
            self.drop(sha256)
        except EmokognitionError as exc:
            logger.warning("media %s may be left unused: %s", sha256[:12], exc.message)
