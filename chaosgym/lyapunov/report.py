"""Reports of certificates: a text summary and a plot of the certified region.

:func:`text_report` lists what was proven, how and where, with timings. :func:`plot_certificate`
draws, for 2-D problems (and a 2-D slice through ``x*`` of 3-D ones), the level sets of ``V``,
the proof boxes, undecided boxes, the hole around the equilibrium, counterexamples and (for
sublevel certificates) the certified level set.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chaosgym.lyapunov.certificate import Certificate

__all__ = ["plot_certificate", "text_report"]


def text_report(cert: Certificate, title: str = "") -> str:
    """A plain-text summary of a certificate (what, how, where, cost)."""
    p = cert.problem
    head = [f"Lyapunov certificate{': ' + title if title else ''}"]
    if p is not None:
        head.append(f"problem: {p!r}")
    return "\n".join([*head, cert.summary()])


def plot_certificate(cert: Certificate, path: str | None = None, *, dims: tuple[int, int] = (0, 1),
                     resolution: int = 200, ax: Any = None, title: str = "") -> Any:
    """Plot V's level sets, proof boxes, hole, counterexamples and certified level (2-D view).

    For ``n > 2`` the view is the slice through ``x*`` spanned by ``dims``; boxes are drawn
    when they meet that slice. Returns the matplotlib figure (saved to ``path`` if given).
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Rectangle

    p = cert.problem
    if p is None:
        raise ValueError("the certificate carries no problem to plot")
    i, j = dims
    dom = p.domain
    xe = p.x_eq
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5.2))
    else:
        fig = ax.figure
    gx = np.linspace(dom.lo[i], dom.hi[i], resolution)
    gy = np.linspace(dom.lo[j], dom.hi[j], resolution)
    GX, GY = np.meshgrid(gx, gy)
    pts = np.tile(xe, (GX.size, 1))
    pts[:, i] = GX.ravel()
    pts[:, j] = GY.ravel()
    with jax.enable_x64(True):
        vals = np.asarray(jax.jit(jax.vmap(p.v_rel))(jnp.asarray(pts))).reshape(GX.shape)
        dec = np.asarray(jax.jit(jax.vmap(p.decrease))(jnp.asarray(pts))).reshape(GX.shape)
    finite = vals[np.isfinite(vals)]
    levels = np.quantile(finite, np.linspace(0.02, 0.98, 12)) if finite.size else 10
    cs = ax.contour(GX, GY, vals, levels=np.unique(levels), colors="0.45", linewidths=0.7)
    ax.clabel(cs, fontsize=6, fmt="%.2g")
    ax.contourf(GX, GY, dec >= 0, levels=[0.5, 1.5], colors=["#f4a6a6"], alpha=0.5)

    def in_slice(lo, hi):
        other = [k for k in range(p.n) if k not in (i, j)]
        if not other:
            return np.ones(len(lo), bool)
        return np.all((lo[:, other] <= xe[other]) & (hi[:, other] >= xe[other]), axis=1)

    lo, hi = cert.proof_boxes
    sel = in_slice(lo, hi)
    for a, b in zip(lo[sel][:20000], hi[sel][:20000], strict=True):
        ax.add_patch(Rectangle((a[i], a[j]), b[i] - a[i], b[j] - a[j], fill=False,
                               lw=0.2, ec="#2a7f3f", alpha=0.6))
    ulo, uhi = cert.unknown_boxes
    sel = in_slice(ulo, uhi)
    for a, b in zip(ulo[sel][:5000], uhi[sel][:5000], strict=True):
        ax.add_patch(Rectangle((a[i], a[j]), b[i] - a[i], b[j] - a[j], fc="#e8b931",
                               ec="none", alpha=0.7))
    r = cert.hole
    if r > 0:
        if cert.scope.get("hole_shape") == "ball":
            ax.add_patch(Circle((xe[i], xe[j]), r, fc="k", alpha=0.4))
        else:
            ax.add_patch(Rectangle((xe[i] - r, xe[j] - r), 2 * r, 2 * r, fc="k", alpha=0.4))
    lev = cert.scope.get("level")
    if lev is not None and cert.certified:
        ax.contour(GX, GY, vals, levels=[lev], colors="#1f5fbf", linewidths=2.0)
    if len(cert.counterexamples):
        cx = cert.counterexamples
        ax.plot(cx[:, i], cx[:, j], "x", color="#c0392b", ms=8, mew=2, label="counterexample")
        ax.legend(loc="upper right", fontsize=7)
    ax.plot([xe[i]], [xe[j]], "k+", ms=10)
    ax.set_xlim(dom.lo[i], dom.hi[i])
    ax.set_ylim(dom.lo[j], dom.hi[j])
    ax.set_xlabel(f"x{i}")
    ax.set_ylabel(f"x{j}")
    ax.set_title(title or f"{cert.status.value} ({cert.rigour})", fontsize=9)
    if path is not None:
        fig.savefig(path, dpi=130, bbox_inches="tight")
    return fig
