"""Tasks: rewards, termination and targets, independent of the dynamics.

ODE and map tasks live in one module each; the PDE tasks (:mod:`chaosgym.tasks.pde`) share the
field observations of ``FieldTask``. Class names are unique across the package:
``SuppressActivity`` / ``TrackReference`` here, ``pde.Suppress`` / ``pde.Track`` for fields.
"""

from __future__ import annotations

from chaosgym._deprecate import alias_getattr
from chaosgym.tasks.base import Task, TaskOutput
from chaosgym.tasks.laminarize import Laminarize, LaminarizeParams
from chaosgym.tasks.lobelock import LobeLock, LobeLockParams
from chaosgym.tasks.orbit import StabilizeOrbit, StabilizeOrbitParams
from chaosgym.tasks.stabilize import Stabilize, StabilizeParams
from chaosgym.tasks.suppress import SuppressActivity, SuppressActivityParams
from chaosgym.tasks.synchronize import Synchronize, SynchronizeParams
from chaosgym.tasks.track import TrackReference, TrackReferenceParams

__all__ = [
    "Laminarize",
    "LaminarizeParams",
    "LobeLock",
    "LobeLockParams",
    "Stabilize",
    "StabilizeOrbit",
    "StabilizeOrbitParams",
    "StabilizeParams",
    "SuppressActivity",
    "SuppressActivityParams",
    "Synchronize",
    "SynchronizeParams",
    "Task",
    "TaskOutput",
    "TrackReference",
    "TrackReferenceParams",
]

#: Former names, kept working with a ``DeprecationWarning``.
__getattr__ = alias_getattr(__name__, globals(), {
    "Suppress": "SuppressActivity",
    "SuppressParams": "SuppressActivityParams",
    "Track": "TrackReference",
    "TrackParams": "TrackReferenceParams",
})
