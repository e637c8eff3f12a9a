"""Deprecated: the field and many-component renderers moved to :mod:`chaosgym.render.field`."""

from __future__ import annotations

import warnings

from chaosgym.render.field import (
    Field1DRenderer,
    Field2DRenderer,
    FieldLayout,
    VectorRenderer,
    field_layout,
)

__all__ = ["Field1DRenderer", "Field2DRenderer", "FieldLayout", "VectorRenderer", "field_layout"]

warnings.warn("chaosgym.render.profile is deprecated; import from chaosgym.render.field",
              DeprecationWarning, stacklevel=2)
