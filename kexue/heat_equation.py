"""The derivation behind QB-Heat, as the article reviews it (kexue.fm 9359), checked numerically.

The feature map z(x, y) ∈ R^d obeys the first-order system z_x = Az, z_y = Bz. Then z_xx = A²z and z_yy = B²z,
so with S = −A²(B²)⁻¹

    z_xx + S z_yy = 0                                   (an anisotropic Laplace equation)

and neighbouring features are predicted by one explicit step, z(x + Δx, y) ≈ (I + ΔxA) z(x, y). The system
has a solution for every z₀ only if AB = BA (z_xy = ABz must equal z_yx = BAz); then z(x, y) = expm(xA + yB)z₀.
"""

import numpy as np
from scipy import linalg

# ----------------------------------------------------------------------------- the matrices


def random_generator(d: int, rng: np.random.Generator) -> np.ndarray:
    """A random d × d matrix scaled to spectral norm 1."""
    A = rng.standard_normal((d, d))
    return A / np.linalg.norm(A, 2)


def commuting_partner(A: np.ndarray, c1: float, c2: float) -> np.ndarray:
    """B = c1·A + c2·A², a polynomial in A, hence AB = BA."""
    return c1 * A + c2 * A @ A


def laplace_coefficient(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """S = −A²(B²)⁻¹ (B² must be invertible), solved rather than inverted."""
    B2 = B @ B
    return -np.linalg.solve(B2.T, (A @ A).T).T


def commutator(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return A @ B - B @ A


# ----------------------------------------------------------------------------- solutions


def solution(A: np.ndarray, B: np.ndarray, z0: np.ndarray, x: float, y: float) -> np.ndarray:
    """z(x, y) = expm(xA + yB) z₀: the exact solution of z_x = Az, z_y = Bz when AB = BA."""
    return linalg.expm(x * A + y * B) @ z0


def path_x_then_y(A, B, z0, x, y) -> np.ndarray:
    """Integrate z_x = Az along x first, then z_y = Bz along y: expm(yB) expm(xA) z₀."""
    return linalg.expm(y * B) @ linalg.expm(x * A) @ z0


def path_y_then_x(A, B, z0, x, y) -> np.ndarray:
    """Integrate along y first, then x: expm(xA) expm(yB) z₀."""
    return linalg.expm(x * A) @ linalg.expm(y * B) @ z0


# ----------------------------------------------------------------------------- finite differences


def second_differences(A, B, z0, x, y, h) -> tuple[np.ndarray, np.ndarray]:
    """Central second differences z_xx ≈ (z(x+h) − 2z + z(x−h))/h², and z_yy likewise, of the exact solution."""
    mid = solution(A, B, z0, x, y)
    zxx = (solution(A, B, z0, x + h, y) - 2 * mid + solution(A, B, z0, x - h, y)) / h**2
    zyy = (solution(A, B, z0, x, y + h) - 2 * mid + solution(A, B, z0, x, y - h)) / h**2
    return zxx, zyy


def laplace_residual(A, B, z0, x, y, h) -> float:
    """‖z_xx + S z_yy‖ / ‖z_xx‖ by central differences (float64)."""
    zxx, zyy = second_differences(A, B, z0, x, y, h)
    S = laplace_coefficient(A, B)
    return float(np.linalg.norm(zxx + S @ zyy) / np.linalg.norm(zxx))


# ----------------------------------------------------------------------------- the discretisation


def euler_step_error(A: np.ndarray, z: np.ndarray, dx: float) -> float:
    """‖(I + ΔxA)z − expm(ΔxA)z‖ / ‖z‖: the one-step predictor's error, O(Δx²)."""
    predicted = z + dx * (A @ z)
    exact = linalg.expm(dx * A) @ z
    return float(np.linalg.norm(predicted - exact) / np.linalg.norm(z))


def loglog_slope(steps, errors) -> float:
    """Least-squares slope of log(error) against log(step)."""
    return float(np.polyfit(np.log(steps), np.log(errors), 1)[0])
