"""Tasks: rewards, termination and targets, independent of the dynamics."""

from chaosgym.tasks.base import Task, TaskOutput
from chaosgym.tasks.laminarize import Laminarize, LaminarizeParams
from chaosgym.tasks.lobelock import LobeLock, LobeLockParams
from chaosgym.tasks.orbit import StabilizeOrbit, StabilizeOrbitParams
from chaosgym.tasks.stabilize import Stabilize, StabilizeParams
from chaosgym.tasks.suppress import Suppress, SuppressParams
from chaosgym.tasks.synchronize import Synchronize, SynchronizeParams
from chaosgym.tasks.track import Track, TrackParams

__all__ = [
    "Laminarize",
    "LaminarizeParams",
    "LobeLock",
    "LobeLockParams",
    "Stabilize",
    "StabilizeOrbit",
    "StabilizeOrbitParams",
    "StabilizeParams",
    "Suppress",
    "SuppressParams",
    "Synchronize",
    "SynchronizeParams",
    "Task",
    "TaskOutput",
    "Track",
    "TrackParams",
]
