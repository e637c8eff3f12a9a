"""The field renderers live in chaosgym.render.field; the old module name still works."""

from __future__ import annotations

import importlib
import sys

import pytest


def test_profile_module_is_a_deprecated_alias_of_field():
    from chaosgym.render import field

    sys.modules.pop("chaosgym.render.profile", None)
    with pytest.warns(DeprecationWarning, match="chaosgym.render.field"):
        old = importlib.import_module("chaosgym.render.profile")
    for name in old.__all__:
        assert getattr(old, name) is getattr(field, name)
