"""mkdocs hook: one page per registered environment, generated from the registry.

Each page is built from the registry (``chaosgym.list_envs()``, ``chaosgym.cli.env_summary``),
the system's spec and module docstring (``systems.get(name).doc``), the task's module
docstring, the divergence rule of the functional core's module docstring and, when
``docs/assets/envs/<Name>.gif`` exists, its animation. Sphinx roles in docstrings become plain
names (inside text blocks) or code spans, since mkdocs renders Markdown. Nothing is written to
disk: the pages exist only inside the build (``mkdocs build`` / ``mkdocs serve``).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
from pathlib import Path
from typing import Any

os.environ.setdefault("JAX_PLATFORMS", "cpu")

DOCS = Path(__file__).resolve().parent


def _sections(doc: str) -> list[tuple[str, str]]:
    """Split a module docstring into (title, body) pairs at ``Name:`` lines at column 0."""
    from chaosgym.cli import plain_roles

    lines = plain_roles(doc).strip("\n").replace("``", "").splitlines()
    out: list[tuple[str, list[str]]] = [("", lines[:1])]
    for ln in lines[1:]:
        m = re.match(r"^([A-Z][^:]{0,40}):\s*(.*)$", ln)
        if m and not ln.startswith(" "):
            out.append((m.group(1), [m.group(2)] if m.group(2) else []))
        else:
            out[-1][1].append(ln)
    res = []
    for title, body in out:
        text = "\n".join(body).strip("\n")
        if text.strip() or title:
            res.append((title, _dedent(text)))
    return res


def _dedent(text: str) -> str:
    import textwrap

    first, _, rest = text.partition("\n")
    if not first.strip():
        return textwrap.dedent(rest).strip()
    return (first.strip() + ("\n" + textwrap.dedent(rest) if rest else "")).strip()


def _params_table(p: Any) -> str:
    if p is None:
        return "_none_\n"
    rows = ["| name | default | static |", "|---|---|---|"]
    for f in dataclasses.fields(p):
        v = getattr(p, f.name)
        static = "yes" if f.metadata.get("static") else ""
        rows.append(f"| `{f.name}` | `{v!r}` | {static} |")
    return "\n".join(rows) + "\n"


def divergence_rule() -> str:
    """The ``Divergence:`` paragraph of the functional core's module docstring (one line)."""
    from chaosgym.cli import plain_roles

    for name in ("chaosgym.envs.functional", "chaosgym.functional"):
        try:
            doc = importlib.import_module(name).__doc__ or ""
        except ImportError:
            continue
        for para in re.split(r"\n\s*\n", doc):
            if para.strip().startswith("Divergence:"):
                text = plain_roles(para.strip().removeprefix("Divergence:"), code="`")
                return " ".join(text.replace("``", "`").split())
    raise RuntimeError("the functional core documents no divergence rule")


def _fmt(v: object) -> str:
    from chaosgym.cli import _fmt_value

    return _fmt_value(v)


def page_name(env_id: str) -> str:
    return env_id.split("/")[-1]


def env_page(env_id: str) -> str:
    """Markdown of one environment's page."""
    from chaosgym import systems
    from chaosgym.cli import env_summary

    s = env_summary(env_id)
    spec = systems.get(s["system"])
    name = page_name(env_id)
    md = [f"# {name}", ""]
    md.append(f"**{s['description'] or s['title']}**: {s['task_description']}.")
    md.append("")
    gif = DOCS / "assets" / "envs" / f"{name}.gif"
    png = gif.with_suffix(".png")
    if gif.exists():
        md.append(f"![{name}](../assets/envs/{name}.gif)")
        md.append("")
        md.append(f"*`chaosgym record --env {env_id} --policy zero --steps 160 --every 4 "
                  f"--scale 0.5 --out {name}.gif`*")
        md.append("")
    elif png.exists():
        md.append(f"![{name}](../assets/envs/{name}.png)")
        md.append("")
        md.append(f"*`chaosgym record --env {env_id} --policy zero --steps 100 --every 100 "
                  f"--scale 0.5 --out {name}.png`* (the frame after 100 uncontrolled steps)")
        md.append("")
    bound = float(spec.bound)
    u = s["u_max"]
    umax = f"{u[0]:g}" if len(set(u)) == 1 else ", ".join(f"{v:g}" for v in u)
    md += [
        "| | |",
        "|---|---|",
        f"| id | `{env_id}` |",
        f"| kind | {s['kind']} |",
        f"| state dimension | {s['state_dim']} |",
        f"| observation space | `Box(-{bound:g}, {bound:g}, ({s['obs_dim']},), float32)` |",
        f"| action space | `Box(-1.0, 1.0, ({s['action_dim']},), float32)`, scaled to "
        f"&#124;u&#124; ≤ {umax} |",
        f"| actuation | `{s['actuation']}` (available: "
        + ", ".join(f"`{a}`" for a in s["actuations"]) + ") |",
        f"| control interval | dt = {s['dt']:g} ({s['integrator']}, {s['substeps']} substeps) |",
        f"| episode | {s['max_steps']} steps = {s['horizon']:g} time units |",
        f"| divergence bound | max&#124;x&#124; ≤ {bound:g} |",
        f"| version | v{s['version']} |",
        "",
        "## Usage",
        "",
        "```python",
        "import gymnasium as gym",
        "import chaosgym",
        "",
        f'env = gym.make("{env_id}", render_mode="rgb_array")',
        "obs, info = env.reset(seed=0)",
        "obs, reward, terminated, truncated, info = env.step(env.action_space.sample())",
        "```",
        "",
        f"From the shell: `chaosgym info --env {env_id}`, `chaosgym play --env {env_id}`.",
        "",
        "## System",
        "",
    ]
    for title, body in _sections(s["doc"]):
        if title in ("References", "Version History"):  # the id's own history is below
            continue
        if not title:
            md += [" ".join(body.split()), ""]
            continue
        md += [f"### {title}", "", "```text", body, "```", ""]
    md += ["## Task", ""]
    for title, body in _sections(s["task_doc"]):
        if not title:
            md += [" ".join(body.split()), ""]
            continue
        md += [f"### {title}", "", "```text", body, "```", ""]
    md += ["## Time limit and divergence", "",
           f"- **Time limit**: truncation after {s['max_steps']} steps ({s['horizon']:g} time "
           "units); `gym.make(id, max_steps=k)` changes it.",
           f"- **Divergence** (here `spec.bound` = {bound:g}): {divergence_rule()}", ""]
    md += _protocol_lines(env_id, s)
    over = s["system_overrides"]
    md += ["## Parameters", "", "System parameters (override with `gym.make(id, name=value)`):",
           ""]
    if over:
        md += ["This id sets " + ", ".join(f"`{k}={_fmt(v)}`" for k, v in over.items())
               + " (the table shows the values it uses).", ""]
    md += [_params_table(s["system_params"]), "Task parameters:", "",
           _params_table(s["task_params"])]
    if s["invariants"]:
        md += ["## Invariants", ""]
        if over:
            md += ["Reference values for the system's *default* parameters, which this id "
                   f"overrides ({', '.join(f'`{k}`' for k in over)}).", ""]
        md += ["| name | value | source |", "|---|---|---|"]
        for inv in s["invariants"]:
            md.append(f"| {inv.name} | {inv.value} | {inv.source} |")
        md.append("")
    if s["references"]:
        md += ["## References", ""]
        md += [f"- {r}" for r in s["references"]]
        md.append("")
    from chaosgym.registration import env_def

    md += ["## Version History", ""]
    md += [f"- {line}" for line in env_def(env_id).history] or ["- v0: initial release."]
    md.append("")
    return "\n".join(md)


def _protocol_lines(env_id: str, s: dict) -> list[str]:
    """How the benchmark scores this id (``chaosgym.baselines.protocol``)."""
    from chaosgym.baselines.protocol import TOLERANCES, observation_of, window_steps

    window = window_steps(s["max_steps"])
    task = s["task_params"]
    radius = next((getattr(task, n) for n in ("capture_radius", "sync_radius", "tolerance",
                                              "laminar_radius") if hasattr(task, n)), None)
    md = ["## Benchmark protocol", "",
          f"- **Success**: the task's flag holds over the whole final window, the last "
          f"{window} of {s['max_steps']} steps, without diverging; the capture time is the "
          "first entry into the stretch that is then held to the end."]
    if radius is not None:
        md.append(f"- **Tolerance**: the task's own radius {radius:g}"
                  + (", and the tiers " + " and ".join(f"{t:g}" for t in TOLERANCES)
                     + " on its distance" if hasattr(task, "capture_radius") else "") + ".")
    obs = observation_of("ppo", env_id)
    md += [f"- **Observation of the agents**: {obs}; LQR, Pyragas and OGY rows read the full "
           "state" + ("; the `lqr-observer` row (where an LQR applies) runs the same gain on a "
                      "state estimated from the agents' observation." if obs.startswith(
                          "sensors") else "."),
           "- Test, validation and training states are disjoint stored sets; statistics are "
           "IQM over 5 seeds with stratified-bootstrap 95 % CIs (`agents/README.md`).", ""]
    return md


def index_page() -> str:
    """The table of every environment."""
    import chaosgym
    from chaosgym.cli import env_summary

    md = ["# Environments", "",
          "Every page below is generated from the registry at build time.", "",
          "| id | kind | state | action | description |", "|---|---|---|---|---|"]
    for env_id in chaosgym.list_envs():
        s = env_summary(env_id)
        name = page_name(env_id)
        md.append(f"| [{name}]({name}.md) | {s['kind']} | {s['state_dim']} | "
                  f"{s['action_dim']} | {s['description']}: {s['task_description']} |")
    return "\n".join(md) + "\n"


def on_config(config: Any) -> Any:
    """Expand the ``Environments`` entry of the nav into the index and every id's page."""
    import chaosgym

    pages = ["envs/index.md"] + [f"envs/{page_name(i)}.md" for i in chaosgym.list_envs()]
    nav = config.get("nav") or []
    for i, entry in enumerate(nav):
        if isinstance(entry, dict) and entry.get("Environments") == "envs/index.md":
            nav[i] = {"Environments": pages}
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add the generated environment pages to the build."""
    from mkdocs.structure.files import File

    import chaosgym

    files.append(File.generated(config, "envs/index.md", content=index_page()))
    for env_id in chaosgym.list_envs():
        files.append(File.generated(config, f"envs/{page_name(env_id)}.md",
                                    content=env_page(env_id)))
    return files
