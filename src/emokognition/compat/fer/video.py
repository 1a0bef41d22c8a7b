"""`fer.Video`: emotions of a video's faces frame by frame, with fer's outputs and tables."""

from __future__ import annotations

import csv
import logging
import os
import re
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from emokognition.compat.fer.detector import FER, FaceResult
from emokognition.compat.fer.draw import draw_annotations
from emokognition.config import get_settings
from emokognition.errors import MediaError
from emokognition.video.decode import FrameReader
from emokognition.video.probe import Probe, probe_video
from emokognition.vision.tables import pandas

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

Row = dict[str, Any]
"""One analysed frame with faces, flattened as fer does: box0, angry0, ..., box1, angry1, ..."""

_NUMBERED = re.compile(r"^(\D+)(\d+)$")


class Video:
    """A video to analyse frame by frame with a `FER` detector, as `fer.Video` does.

    Example:
        >>> video = Video("woman_talking.mp4")
        >>> raw_data = video.analyze(FER(mtcnn=True), display=False)
        >>> df = video.get_emotions(video.get_first_face(video.to_pandas(raw_data)))

    Args:
        video_file: A local video (mp4, mov, mkv, webm, avi, GIF).
        outdir: Where frames, the annotated video and images.zip go; made when missing.
        first_face_only: `to_pandas` keeps the first face's columns only.
        tempfile: Write the annotated video there, then move it into `outdir`.

    Raises:
        MediaError: No such file.
    """

    def __init__(
        self,
        video_file: str | os.PathLike[str],
        outdir: str | os.PathLike[str] = "output",
        first_face_only: bool = True,
        tempfile: str | os.PathLike[str] | None = None,
    ) -> None:
        if not Path(video_file).exists():
            raise MediaError(f"Video file not found at {Path(video_file).resolve()}")
        Path(outdir).mkdir(parents=True, exist_ok=True)
        self.outdir = str(outdir)
        self.first_face_only = first_face_only
        self.tempfile = None if tempfile is None else str(tempfile)
        self.filepath = str(video_file)
        self.filename = Path(video_file).name

    def analyze(
        self,
        detector: FER,
        display: bool = False,
        output: Literal["csv", "pandas"] = "csv",
        frequency: int | None = None,
        max_results: int | None = None,
        save_fps: int | None = None,
        video_id: str | None = None,
        save_frames: bool = True,
        save_video: bool = True,
        annotate_frames: bool = True,
        zip_images: bool = True,
        detection_box: dict[str, int] | None = None,
        lang: str = "en",
        include_audio: bool = False,
        size_multiplier: int = 1,
        batch_size: int = 1,
        use_async_io: bool = True,
    ) -> Any:
        """Detect the faces and emotions of every `frequency`-th frame, as fer does.

        Frames without a face add no row. With fer's defaults it also writes, into `outdir`,
        each analysed frame annotated (`<name><frame>.jpg`, then zipped into images.zip), the
        annotated video `<name>_output<ext>` (MPEG-4, the source's frame rate, analysed frames
        only) and, with `output="csv"`, data.csv in the working directory.

        Args:
            detector: The `FER` to run on each frame.
            display: fer's live window; there is no window here, so it is not shown.
            output: "csv": the rows as a list of dicts (and data.csv); "pandas": a DataFrame.
            frequency: Analyse every n-th frame (default every frame).
            max_results: Stop after this many analysed frames.
            save_fps: Analyse `fps // save_fps`-th frames instead of `frequency`.
            video_id: File name prefix of the saved frames (default: the video's name).
            save_frames, save_video, annotate_frames, zip_images: fer's outputs, as above.
            detection_box: Analyse only {"x_min", "x_max", "y_min", "y_max"} of each frame;
                boxes are given in the whole frame.
            lang: Labels on the annotations: "en", "tr" or "de".
            include_audio: fer's sounded copy (moviepy); not made, a warning says so.
            size_multiplier: Size of the annotation labels.
            batch_size, use_async_io: fer's throughput knobs; accepted, not needed.

        Returns:
            A list of row dicts (`output="csv"`) or a pandas DataFrame (`output="pandas"`).

        Raises:
            ValueError: An unknown output or language, frequency or save_fps below 1.
            MediaError: Not a readable video, or outputs that cannot be written.
            InvalidImage: A detection box that leaves no pixels.
        """
        if output not in ("csv", "pandas"):
            raise ValueError(f"unknown output {output!r} (csv, pandas)")
        if (frequency is not None and frequency < 1) or (save_fps is not None and save_fps < 1):
            raise ValueError("frequency and save_fps must be at least 1")
        settings = detector.settings if isinstance(detector, FER) else get_settings()
        probe = probe_video(self.filepath, settings)
        fps = probe.info.fps or 25.0
        step = 1 if frequency is None else int(frequency)
        if save_fps is not None:
            step = max(1, int(fps // save_fps))
        if display:
            logger.warning("display=True: no window to show frames in; not displayed")
        if include_audio:
            logger.warning("include_audio=True: the sounded copy is not made")
        root = video_id or Path(self.filepath).stem
        outputs = _Outputs(
            self,
            probe,
            prefix=root,
            save_frames=save_frames,
            save_video=save_video,
            annotate=annotate_frames,
            lang=lang,
            size_multiplier=size_multiplier,
        )
        started = time.perf_counter()
        try:
            frames_emotions = self._frames(
                detector, probe, step, max_results, detection_box, outputs
            )
        finally:
            outputs.close(zip_images=zip_images)
        logger.info(
            "fer compat: %s, %d frames with faces in %.1f s",
            self.filename,
            len(frames_emotions),
            time.perf_counter() - started,
        )
        return self.to_format(frames_emotions, output)

    def _frames(
        self,
        detector: FER,
        probe: Probe,
        step: int,
        max_results: int | None,
        detection_box: dict[str, int] | None,
        outputs: _Outputs,
    ) -> list[list[FaceResult]]:
        selected = np.zeros(len(probe.index), dtype=bool)
        selected[::step] = True
        frames_emotions: list[list[FaceResult]] = []
        analysed = 0
        reader = iter(FrameReader(probe, selected))
        try:
            for frame in reader:
                faces = _detect(detector, frame.pixels, detection_box)
                outputs.add(frame.index, frame.pixels, faces)
                if faces:
                    frames_emotions.append(faces)
                analysed += 1
                if max_results and analysed >= max_results:
                    break
        finally:
            reader.close()  # type: ignore[attr-defined]
        return frames_emotions

    def to_format(self, data: list[Any], format: str) -> Any:
        """`to_csv` or `to_pandas` of the data, by name ("csv", "pandas")."""
        if format == "csv":
            return self.to_csv(data)
        if format == "pandas":
            return self.to_pandas(data)
        raise ValueError(f"unknown format {format!r} (csv, pandas)")

    @staticmethod
    def _to_dict(data: list[Any]) -> list[Row]:
        """Per-frame face lists flattened into rows (rows are returned as they are)."""
        if not data or isinstance(data[0], dict):
            return list(data)
        if not data[0]:
            raise ValueError("No data in 'data'")
        rows = []
        for faces in data:
            row: Row = {}
            for number, face in enumerate(faces):
                row[f"box{number}"] = face["box"]
                row.update({f"{name}{number}": p for name, p in face["emotions"].items()})
            rows.append(row)
        return rows

    def to_csv(self, data: list[Any], filename: str | os.PathLike[str] = "data.csv") -> list[Row]:
        """Write the rows to `filename` (fer's data.csv), columns by name then face; returns
        the rows.

        Raises:
            MediaError: The file cannot be written.
        """
        rows = self._to_dict(data)
        columns = sorted({key for row in rows for key in row}, key=_column_order)
        try:
            with Path(filename).open("w", newline="") as file:
                writer = csv.DictWriter(file, columns, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        except OSError as exc:
            raise MediaError(f"cannot write {filename}: {exc}") from exc
        return rows

    def to_pandas(self, data: pd.DataFrame | list[Any]) -> pd.DataFrame:
        """The rows as a DataFrame (the first face's columns only with `first_face_only`).

        Raises:
            MissingExtra: pandas is not installed (`emokognition[pandas]`).
        """
        if not isinstance(data, list):
            if not _is_frame(data):
                raise TypeError(f"expected a list of rows or a DataFrame, got {type(data)}")
            return data
        frame: pd.DataFrame = pandas().DataFrame(self._to_dict(data) if data else None)
        if not data:
            return frame
        return self.get_first_face(frame) if self.first_face_only else frame

    @staticmethod
    def get_first_face(df: pd.DataFrame) -> pd.DataFrame:
        """The columns of face 0 (box0, angry0, ...) without their number; a table of one
        face's columns as it is.

        Raises:
            TypeError: Not a DataFrame.
        """
        if not _is_frame(df):
            raise TypeError("Must be a pandas DataFrame")
        if not len(df.columns) or not _NUMBERED.match(str(df.columns[0])):
            return df
        numbered = [(str(c), _NUMBERED.match(str(c))) for c in df.columns]
        first = {c: m.group(1) for c, m in numbered if m is not None and int(m.group(2)) == 0}
        return df[list(first)].rename(columns=first)

    @staticmethod
    def get_emotions(df: pd.DataFrame) -> pd.DataFrame:
        """The emotion columns (all but the boxes)."""
        return df[[c for c in df.columns if "box" not in str(c)]]


def _is_frame(value: object) -> bool:
    """True for a pandas DataFrame (pandas imported only now: an extra)."""
    return isinstance(value, pandas().DataFrame)


def _column_order(name: str) -> tuple[str, int]:
    match = _NUMBERED.match(name)
    return (match.group(1), int(match.group(2))) if match else (name, -1)


def _detect(
    detector: FER, pixels: NDArray[np.uint8], box: dict[str, int] | None
) -> list[FaceResult]:
    """fer's faces of a frame, or of its detection box with the boxes moved into the frame."""
    if box is None:
        return detector.detect_emotions(pixels)
    x0, y0 = box.get("x_min", 0), box.get("y_min", 0)
    region = pixels[y0 : box.get("y_max"), x0 : box.get("x_max")]
    faces = detector.detect_emotions(region)
    for face in faces:
        x, y, w, h = face["box"]
        face["box"] = [x + x0, y + y0, w, h]
    return faces


class _Outputs:
    """fer's side outputs of an analysis: annotated frames (then zipped) and video."""

    def __init__(
        self,
        video: Video,
        probe: Probe,
        *,
        prefix: str,
        save_frames: bool,
        save_video: bool,
        annotate: bool,
        lang: str,
        size_multiplier: int,
    ) -> None:
        self.outdir = Path(video.outdir)
        self.prefix = prefix
        self.save_frames = save_frames
        self.annotate = annotate
        self.lang = lang
        self.size_multiplier = size_multiplier
        self.frames: list[Path] = []
        source = Path(video.filepath)
        self.outfile = self.outdir / f"{source.stem}_output{source.suffix}"
        self.tempfile = None if video.tempfile is None else Path(video.tempfile)
        self.writer = self._writer(probe) if save_video else None

    def _writer(self, probe: Probe) -> cv2.VideoWriter:
        target = self.tempfile or self.outfile
        target.unlink(missing_ok=True)
        size = (probe.info.width, probe.info.height)
        fourcc = cv2.VideoWriter_fourcc(*"mp4v")  # type: ignore[attr-defined]
        writer = cv2.VideoWriter(str(target), fourcc, probe.info.fps or 25.0, size, True)
        if not writer.isOpened():
            raise MediaError(f"cannot write {target.name} (MPEG-4 in .mp4, .mov or .avi)")
        return writer

    def add(self, index: int, pixels: NDArray[np.uint8], faces: list[FaceResult]) -> None:
        if not (self.save_frames or self.writer is not None):
            return
        frame = pixels.copy() if self.annotate else pixels
        if self.annotate:
            draw_annotations(frame, faces, lang=self.lang, size_multiplier=self.size_multiplier)
        if self.save_frames:
            path = self.outdir / f"{self.prefix}{index}.jpg"
            if not cv2.imwrite(str(path), frame):
                raise MediaError(f"cannot write {path}")
            self.frames.append(path)
        if self.writer is not None:
            self.writer.write(frame)

    def close(self, *, zip_images: bool) -> None:
        if self.writer is not None:
            self.writer.release()
            if self.tempfile is not None:
                self.tempfile.replace(self.outfile)
            logger.info("annotated video saved to %s", self.outfile)
        if self.frames and zip_images:
            # Only the frames this analysis wrote (fer zips every .jpg in outdir).
            with zipfile.ZipFile(self.outdir / "images.zip", "w") as archive:
                for path in self.frames:
                    archive.write(path, arcname=path.name)
                    path.unlink()
