"""Tasks: rewards, termination and targets, independent of the dynamics."""

from chaosgym.tasks.base import Task, TaskOutput
from chaosgym.tasks.stabilize import Stabilize, StabilizeParams

__all__ = ["Stabilize", "StabilizeParams", "Task", "TaskOutput"]
