"""stable-baselines3 classes of the baselines and loading a trained agent (``agents`` extra)."""

from __future__ import annotations

import json
from pathlib import Path

from chaosgym.baselines.hyperparams import ALGOS

__all__ = ["algo_class", "load_agent", "require_sb3"]


def require_sb3() -> None:
    """Raise an ``ImportError`` with the pip hint when stable-baselines3 is missing."""
    try:
        import stable_baselines3  # noqa: F401
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "training agents needs stable-baselines3 and torch: pip install 'chaosgym[agents]'"
        ) from e


def algo_class(algo: str):
    """The stable-baselines3 class of an algorithm name."""
    require_sb3()
    import stable_baselines3 as sb3

    algo = algo.lower()
    if algo not in ALGOS:
        raise ValueError(f"unknown algorithm {algo!r}; choose from {list(ALGOS)}")
    return getattr(sb3, algo.upper())


def load_agent(path: str | Path):
    """``(model, obs_rms)`` from a run directory or a model ``.zip`` (with its statistics).

    ``obs_rms`` is ``None`` when the model was trained without observation normalisation.
    """
    require_sb3()
    import pickle

    path = Path(path)
    if path.is_dir():
        cfg = json.loads((path / "config.json").read_text())
        algo = cfg["algo"]
        zip_path, norm_path = path / "model.zip", path / "vecnormalize.pkl"
    else:
        zip_path = path
        norm_path = path.with_name(path.stem.replace("model", "vecnormalize") + ".pkl")
        algo = _algo_from_zip(zip_path)
    model = algo_class(algo).load(zip_path, device="cpu")
    rms = None
    if norm_path.exists():
        with open(norm_path, "rb") as f:
            vn = pickle.load(f)
        if getattr(vn, "norm_obs", False):
            rms = vn.obs_rms
    return model, rms


def _algo_from_zip(zip_path: Path) -> str:
    """The algorithm of a saved model from its name (``sac_seed0.zip``) or its folder's config."""
    stem = zip_path.stem.lower()
    for a in ALGOS:
        if stem.startswith(a):
            return a
    cfg = zip_path.parent / "config.json"
    if cfg.exists():
        return json.loads(cfg.read_text())["algo"]
    raise ValueError(
        f"cannot tell the algorithm of {zip_path}: name it <algo>_*.zip or pass its run directory"
    )
