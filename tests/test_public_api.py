from __future__ import annotations

import emokognition


def test_exported_members() -> None:
    """The public API is exactly this; a change here is a change of contract."""
    exported = set(emokognition.__all__)
    assert exported == {
        "EMOTIONS",
        "Analyzer",
        "Detection",
        "EmokognitionError",
        "EmotionClassifier",
        "Face",
        "ImageResult",
        "ImageSource",
        "MediaError",
        "ModelError",
        "SourceError",
        "__version__",
        "analyze_image",
        "FrameResult",
        "Track",
        "VideoAnalysis",
        "VideoOptions",
        "VideoResult",
        "VideoSource",
        "analyze_video",
        "iter_video",
    }
    for name in exported:
        assert hasattr(emokognition, name), name
    assert emokognition.EMOTIONS[3] == "happy"
