"""Periodic pseudo-spectral PDEs ``u_t = L u + N(u) + f(x, a)`` stepped by ETDRK4.

Machinery: :class:`~chaosgym.systems.pde.spectral.Grid` (1-D/2-D periodic grids, wavenumbers,
dealiasing by a per-system fraction: 2/3 for quadratic terms, 1/2 for cubic ones),
:class:`~chaosgym.systems.pde.semilinear.Semilinear` (linear symbol and
nonlinear term), :class:`~chaosgym.systems.pde.semilinear.PDESpec` and
:func:`~chaosgym.systems.pde.semilinear.make_pde_stepper` (all ETDRK4 substeps of a control
interval in one traced loop, coefficients from :mod:`chaosgym.integrators.etdrk4` computed once),
actuators (Gaussian jets, boxes) and point sensors.

Systems (one module each, registered in :mod:`chaosgym.systems`): Kuramoto–Sivashinsky,
complex Ginzburg–Landau, driven–damped nonlinear Schrödinger, viscous Burgers, 2-D λ–ω
reaction–diffusion, 2-D Kolmogorov flow.
"""

from chaosgym.systems.pde.semilinear import (
    PDESpec,
    Semilinear,
    box_actuators,
    gaussian_jets,
    gaussian_jets_2d,
    make_pde_stepper,
    sensor_matrix,
)
from chaosgym.systems.pde.spectral import Grid

__all__ = [
    "Grid",
    "PDESpec",
    "Semilinear",
    "box_actuators",
    "gaussian_jets",
    "gaussian_jets_2d",
    "make_pde_stepper",
    "sensor_matrix",
]
