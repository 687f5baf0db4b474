"""The continuity and Fokker–Planck equations (kexue.fm/archives/9461), checked numerically.

For dx = f_t(x)dt + g_t dw the density obeys ∂_t p = −∇·(p f) + ½g²Δp (g = 0: the continuity equation).
We push particles (Euler–Maruyama for the SDE, RK4 for an ODE) and compare their histograms with
(i) closed forms and (ii) finite-volume solutions of the PDEs with zero-flux boundaries; the weak form
d/dt E φ(x_t) = E[f·∇φ + ½g²Δφ] and the two integrations by parts are checked directly.

Example throughout (the brief's): the 1-D Ornstein–Uhlenbeck process dx = −x dt + √2 dw, started from
the mixture ½N(−2, s0²) + ½N(2, s0²); at time t it is the same mixture with means ±2e^{−t} and variance
s0²e^{−2t} + 1 − e^{−2t}.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import splu
from scipy.special import ndtr

# --------------------------------------------------------------------------- the OU mixture in closed form


def ou_moments(t: float, mean0: float, sd0: float) -> tuple[float, float]:
    """Mean (of the + component) and variance of the OU mixture at time t."""
    decay = math.exp(-t)
    return mean0 * decay, sd0**2 * decay**2 + 1.0 - decay**2


def ou_sample0(n: int, mean0: float, sd0: float, rng: np.random.Generator) -> np.ndarray:
    """n draws of ½N(−mean0, sd0²) + ½N(mean0, sd0²)."""
    return rng.choice([-mean0, mean0], size=n) + sd0 * rng.standard_normal(n)


def ou_cdf(x: np.ndarray, t: float, mean0: float, sd0: float) -> np.ndarray:
    mu, var = ou_moments(t, mean0, sd0)
    sd = math.sqrt(var)
    return 0.5 * (ndtr((x + mu) / sd) + ndtr((x - mu) / sd))


def ou_score(x: np.ndarray, t: float, mean0: float, sd0: float) -> np.ndarray:
    """∇ log p_t(x) of the mixture, exactly: Σ_c w_c(x)·(μ_c − x)/σ², w_c the posterior weights."""
    mu, var = ou_moments(t, mean0, sd0)
    # posterior weight of the + component: a logistic in x (stable for large |x|)
    w_plus = 0.5 * (1.0 + np.tanh(mu * x / var))
    return ((2.0 * w_plus - 1.0) * mu - x) / var


# --------------------------------------------------------------------------- particles


def euler_maruyama(x, drift: Callable, g: float, dt: float, times, rng: np.random.Generator) -> dict:
    """x_{t+dt} = x_t + f_t(x_t)dt + g√dt·ε; snapshots {t: copy of x} at each of `times`."""
    return _integrate(
        x, lambda x, t: x + drift(x, t) * dt + g * math.sqrt(dt) * rng.standard_normal(x.shape), dt, times
    )


def rk4(x, velocity: Callable, dt: float, times) -> dict:
    """Classical Runge–Kutta for dx/dt = v_t(x); snapshots {t: copy of x} at each of `times`."""

    def step(x, t):
        k1 = velocity(x, t)
        k2 = velocity(x + 0.5 * dt * k1, t + 0.5 * dt)
        k3 = velocity(x + 0.5 * dt * k2, t + 0.5 * dt)
        k4 = velocity(x + dt * k3, t + dt)
        return x + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)

    return _integrate(x, step, dt, times)


def _integrate(x, step: Callable, dt: float, times) -> dict:
    x, snaps, t = np.array(x, dtype=np.float64), {}, 0.0
    for target in sorted(times):
        steps = round((target - t) / dt)
        if abs(t + steps * dt - target) > 1e-9:
            raise ValueError(f"time {target} is not a multiple of dt = {dt} from {t}")
        for i in range(steps):
            x = step(x, t + i * dt)
        t = target
        snaps[target] = x.copy()
    return snaps


# --------------------------------------------------------------------------- finite volumes, 1-D


def cell_grid(lo: float, hi: float, nodes: int) -> tuple[np.ndarray, float]:
    """Cells between `nodes` equally spaced nodes on [lo, hi]: (cell centres, width h)."""
    edges = np.linspace(lo, hi, nodes)
    return 0.5 * (edges[1:] + edges[:-1]), edges[1] - edges[0]


def flux_operator(edges: np.ndarray, velocity: np.ndarray, diffusion: float) -> sparse.csc_matrix:
    """A with dp/dt = A p for cell averages p: −(J_{i+½} − J_{i−½})/h, J = v p − D ∂_x p at the interior
    interfaces (v at the interfaces, p averaged across them, central differences); J = 0 at both ends
    (zero flux), so every column of A sums to 0 and the mass Σ p h is conserved exactly."""
    h = edges[1] - edges[0]
    v = velocity[1:-1]  # interior interfaces only
    n = len(edges) - 1
    # J_{i+½} = a_i p_i + b_i p_{i+1}
    a, b = 0.5 * v + diffusion / h, 0.5 * v - diffusion / h
    main = np.zeros(n)
    main[:-1] -= a / h  # cell i loses J_{i+½}
    main[1:] += b / h  # cell i+1 gains J_{i+½}
    return sparse.diags([main, -b / h, a / h], [0, 1, -1], format="csc")


def crank_nicolson(p0, edges, velocity: Callable, diffusion: float, dt: float, times, steady: bool = False) -> dict:
    """Crank–Nicolson for dp/dt = A_t p: (I − dt/2·A_{t+½}) p^{n+1} = (I + dt/2·A_{t+½}) p^n; snapshots.
    `velocity(x, t)` at the cell edges; `steady`: it does not depend on t (one factorisation for all steps)."""
    eye = sparse.identity(len(p0), format="csc")
    constant = steady
    cache = {}

    def step(p, t):
        tm = 0.0 if constant else t + 0.5 * dt
        if tm not in cache:
            a = flux_operator(edges, velocity(edges, tm), diffusion)
            cache.clear()
            cache[tm] = (splu((eye - 0.5 * dt * a).tocsc()), (eye + 0.5 * dt * a).tocsr())
        solve, rhs = cache[tm]
        return solve.solve(rhs @ p)

    return _integrate(p0, step, dt, times)


def cell_averages(cdf: Callable, edges: np.ndarray) -> np.ndarray:
    """Exact cell averages of a density from its CDF."""
    return np.diff(cdf(edges)) / np.diff(edges)


# --------------------------------------------------------------------------- comparing particles with densities


def l1_distance(samples: np.ndarray, bin_mass: np.ndarray, bins) -> float:
    """Σ_b |p̂_b − q_b| between the particles' histogram (as probabilities, particles outside the bins
    counted as missing mass) and the PDE's mass per bin."""
    counts, *_ = np.histogramdd(samples, bins=bins) if samples.ndim == 2 else np.histogram(samples, bins=bins)
    p_hat = counts / len(samples)
    outside = abs((1.0 - p_hat.sum()) - (1.0 - bin_mass.sum()))  # mass beyond the bins, either side
    return float(np.abs(p_hat - bin_mass).sum() + outside)


def noise_floor(bin_mass: np.ndarray, particles: int) -> float:
    """E Σ_b |p̂_b − q_b| for exact particles: Σ_b √(2 q_b(1 − q_b)/(π N)) (normal approximation)."""
    q = np.clip(bin_mass, 0.0, 1.0)
    return float(np.sqrt(2.0 * q * (1.0 - q) / (math.pi * particles)).sum())


def coarsen(cell_mass: np.ndarray, factor: int) -> np.ndarray:
    """Sum the mass of `factor` consecutive cells (per axis) into one histogram bin."""
    shape = [s // factor for s in cell_mass.shape]
    for axis, size in enumerate(shape):
        cell_mass = cell_mass.reshape(*cell_mass.shape[:axis], size, factor, *cell_mass.shape[axis + 1 :]).sum(axis + 1)
    return cell_mass


# --------------------------------------------------------------------------- the weak form

# φ, φ′, φ″ of the brief's test functions
TEST_FUNCTIONS = {
    "sin": (np.sin, np.cos, lambda x: -np.sin(x)),
    "square": (np.square, lambda x: 2.0 * x, lambda x: np.full_like(x, 2.0)),
    "gauss": (
        lambda x: np.exp(-(x**2)),
        lambda x: -2.0 * x * np.exp(-(x**2)),
        lambda x: (4.0 * x**2 - 2.0) * np.exp(-(x**2)),
    ),
}


def weak_form_gap(before, now, after, delta: float, drift: Callable, t: float, g: float, name: str) -> dict:
    """d/dt E φ(x_t) by a central difference of the particle means at t ± δ, against E[f_t φ′ + ½g²φ″] at t.

    The same particles at the three times: the per-particle difference carries their correlation, so its
    standard error is the SE of the gap."""
    phi, dphi, d2phi = TEST_FUNCTIONS[name]
    lhs = (phi(after) - phi(before)) / (2.0 * delta)
    rhs = drift(now, t) * dphi(now) + 0.5 * g**2 * d2phi(now)
    gap = lhs - rhs
    se = float(gap.std(ddof=1) / math.sqrt(len(gap)))
    return {"lhs": float(lhs.mean()), "rhs": float(rhs.mean()), "se": se, "z": float(gap.mean() / se)}


# --------------------------------------------------------------------------- 2-D double well


def double_well_drift(x: np.ndarray) -> np.ndarray:
    """f = −∇U, U(x, y) = (x² − 1)² + y²: rows of points (…, 2) → rows of drifts."""
    return np.stack([-4.0 * x[..., 0] * (x[..., 0] ** 2 - 1.0), -2.0 * x[..., 1]], axis=-1)


def explicit_fp_2d(p0: np.ndarray, edges: np.ndarray, diffusion: float, dt: float, steps: int) -> np.ndarray:
    """Forward Euler on the 2-D finite-volume Fokker–Planck equation with drift −∇U, zero-flux walls.

    Stable for dt ≤ h²/(4D) (diffusion) and cell Péclet |f|h/D ≤ 2 (central fluxes); the caller checks."""
    h = edges[1] - edges[0]
    mid = edges[1:-1]  # interior interfaces
    fx = -4.0 * mid * (mid**2 - 1.0)  # x-drift at x-interfaces (does not depend on y)
    fy = -2.0 * mid  # y-drift at y-interfaces
    p = p0.copy()
    for _ in range(steps):
        jx = fx[:, None] * 0.5 * (p[1:, :] + p[:-1, :]) - diffusion * (p[1:, :] - p[:-1, :]) / h
        jy = fy[None, :] * 0.5 * (p[:, 1:] + p[:, :-1]) - diffusion * (p[:, 1:] - p[:, :-1]) / h
        div = np.zeros_like(p)
        div[:-1, :] += jx
        div[1:, :] -= jx
        div[:, :-1] += jy
        div[:, 1:] -= jy
        p = p - dt * div / h
    return p


# --------------------------------------------------------------------------- integration by parts, 2-D


def gaussian_mixture_2d(weights, means, sds):
    """p, ∇p and Δp of an isotropic 2-D Gaussian mixture, as functions of (X, Y) grids."""

    def parts(X, Y):
        p = np.zeros_like(X)
        gx, gy, lap = np.zeros_like(X), np.zeros_like(X), np.zeros_like(X)
        for w, (mx, my), s in zip(weights, means, sds, strict=True):
            dx, dy = X - mx, Y - my
            r2 = dx**2 + dy**2
            c = w * np.exp(-0.5 * r2 / s**2) / (2 * math.pi * s**2)
            p += c
            gx += -c * dx / s**2
            gy += -c * dy / s**2
            lap += c * (r2 / s**4 - 2.0 / s**2)
        return p, (gx, gy), lap

    return parts


# the brief's test fields: a polynomial/trigonometric vector field v and scalar u, with their derivatives
def field_v(X, Y):
    """v = (x²y + sin y, cos x − xy³) and ∇·v = 2xy − 3xy²."""
    return (X**2 * Y + np.sin(Y), np.cos(X) - X * Y**3), 2 * X * Y - 3 * X * Y**2


def field_u(X, Y):
    """u = x³ − 2y² + sin(xy) and ∇u = (3x² + y cos(xy), −4y + x cos(xy))."""
    c = np.cos(X * Y)
    return X**3 - 2 * Y**2 + np.sin(X * Y), (3 * X**2 + Y * c, -4 * Y + X * c)


MIXTURE = {"weights": [0.5, 0.3, 0.2], "means": [(-1.0, 0.5), (1.5, -0.5), (0.0, 2.0)], "sds": [0.6, 0.8, 0.5]}


def integration_by_parts(nodes: int, half_width: float) -> list[dict]:
    """Both identities by the trapezoid rule on [−L, L]² (spectrally accurate for integrands that vanish
    smoothly at the edges): each side, and |left − right| / max(|left|, |right|)."""
    axis = np.linspace(-half_width, half_width, nodes)
    h = axis[1] - axis[0]
    X, Y = np.meshgrid(axis, axis, indexing="ij")
    p, (px, py), lap = gaussian_mixture_2d(**MIXTURE)(X, Y)
    (vx, vy), div_v = field_v(X, Y)
    u, (ux, uy) = field_u(X, Y)

    def integral(f):
        return float(np.trapezoid(np.trapezoid(f, dx=h, axis=1), dx=h))

    pairs = {
        "v·∇p = −p ∇·v": (integral(vx * px + vy * py), -integral(p * div_v)),
        "u Δp = −∇p·∇u": (integral(u * lap), -integral(px * ux + py * uy)),
    }
    return [
        {"identity": name, "left": a, "right": b, "rel_error": abs(a - b) / max(abs(a), abs(b))}
        for name, (a, b) in pairs.items()
    ]
