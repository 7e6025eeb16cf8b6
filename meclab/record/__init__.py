"""Record and replay a run: its inputs into a file, and the same engine events out of it.

:mod:`.format` (the file), :mod:`.events` (what is compared), :mod:`.recorder` (a run into a
file), :mod:`.replayer` (a file into a runtime). The reasoning of what a recording must hold
is in :mod:`.recorder`.
"""

from meclab.record.events import EventDigest, engine_lines
from meclab.record.format import Recording, RecordingError, read_recording
from meclab.record.recorder import Recorder, RecordingRefused
from meclab.record.replayer import ReplayDiverged, Replayer, replay_offline

__all__ = [
    "EventDigest",
    "Recorder",
    "Recording",
    "RecordingError",
    "RecordingRefused",
    "ReplayDiverged",
    "Replayer",
    "engine_lines",
    "read_recording",
    "replay_offline",
]
