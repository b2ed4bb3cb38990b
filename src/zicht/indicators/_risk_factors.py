"""Place-based risk factors as Risk Terrain Modeling uses them: distance and density.

Risk Terrain Modeling (Caplan & Kennedy, *Risk Terrain Modeling Manual*, 2011; Caplan,
Kennedy & Miller 2011) describes a place by the features of the environment around it:
the **distance** from a place to the nearest feature of a kind (a vacant building, a park
entrance) and the **kernel density** of features of a kind within a radius. zicht computes
both for points in RD New (metres) with a k-d tree, so a whole gemeente takes a fraction of
a second.

Both functions take plain coordinate arrays and return one value per place; turning unit
values into area values is done by :func:`zicht.indicators.compute_indicators`.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from zicht._errors import ConfigError

__all__ = ["KERNELS", "distance_to_nearest", "kernel_density"]

#: Kernel shapes of :func:`kernel_density`.
KERNELS = ("quartic", "uniform")


def _as_xy(xy: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(xy, dtype="float64")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ConfigError(f"{what} must be an array of shape (n, 2) with x, y in metres")
    return arr


def distance_to_nearest(places: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Distance in metres from each place to the nearest feature.

    Parameters
    ----------
    places
        Array ``(n, 2)`` of x, y in a metric CRS (RD New); rows with NaN give NaN.
    features
        Array ``(m, 2)`` of feature x, y in the same CRS; NaN rows are ignored.

    Returns
    -------
    numpy.ndarray
        ``n`` distances in metres; all NaN when there is no feature.

    Examples
    --------
    >>> distance_to_nearest(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([[3.0, 4.0]]))
    array([5.        , 8.06225775])
    """
    places = _as_xy(places, "places")
    features = _as_xy(features, "features")
    features = features[np.isfinite(features).all(axis=1)]
    out = np.full(len(places), np.nan)
    ok = np.isfinite(places).all(axis=1)
    if len(features) == 0 or not ok.any():
        return out
    distance, _ = cKDTree(features).query(places[ok], k=1)
    out[ok] = distance
    return out


def kernel_density(
    places: np.ndarray,
    features: np.ndarray,
    radius_m: float,
    kernel: str = "quartic",
    *,
    chunk_size: int = 100_000,
) -> np.ndarray:
    """Kernel density of features around each place, in features per km².

    The quartic (biweight) kernel is the one of Risk Terrain Modeling and ArcGIS *Kernel
    Density*: ``K(d) = 3 / (pi r^2) * (1 - (d/r)^2)^2`` for ``d < r``. The uniform kernel
    counts the features within ``r`` and divides by the disc area ``pi r^2``. Both
    integrate to one, so a density times an area is an expected count.

    Parameters
    ----------
    places
        Array ``(n, 2)`` of x, y in metres; rows with NaN give NaN.
    features
        Array ``(m, 2)`` of feature x, y; NaN rows are ignored.
    radius_m
        Kernel radius (bandwidth) in metres.
    kernel
        ``"quartic"`` (default) or ``"uniform"``.
    chunk_size
        Places per chunk: the pairs within the radius are formed one chunk at a time, so a
        national unit table needs memory for one chunk's pairs only. The result does not
        depend on it.

    Returns
    -------
    numpy.ndarray
        ``n`` densities in features per km² (0 where no feature lies within the radius).

    Raises
    ------
    ConfigError
        If the radius is not positive or the kernel unknown.

    Examples
    --------
    >>> place = np.array([[0.0, 0.0]])
    >>> feats = np.array([[0.0, 0.0], [100.0, 0.0], [900.0, 0.0]])
    >>> kernel_density(place, feats, 500.0, "uniform").round(3)  # 2 features on 0.785 km²
    array([2.546])
    """
    if kernel not in KERNELS:
        raise ConfigError(f"kernel = {kernel!r} is not allowed; use one of {list(KERNELS)}")
    if not (np.isfinite(radius_m) and radius_m > 0):
        raise ConfigError(f"radius_m must be a positive number, got {radius_m!r}")
    if chunk_size < 1:
        raise ConfigError(f"chunk_size must be at least 1, got {chunk_size!r}")
    places = _as_xy(places, "places")
    features = _as_xy(features, "features")
    features = features[np.isfinite(features).all(axis=1)]
    out = np.full(len(places), np.nan)
    ok = np.isfinite(places).all(axis=1)
    out[ok] = 0.0
    if len(features) == 0 or not ok.any():
        return out
    tree = cKDTree(features)
    inside = places[ok]
    density = np.empty(len(inside))
    # Places in chunks: the (place, feature) pairs of one chunk at a time, so memory grows
    # with the chunk and the features within the radius, not with all units at once.
    for start in range(0, len(inside), chunk_size):
        chunk = inside[start : start + chunk_size]
        density[start : start + len(chunk)] = _chunk_density(chunk, tree, radius_m, kernel)
    out[ok] = density * 1e6  # per m² to per km²
    return out


def _chunk_density(places: np.ndarray, tree: cKDTree, radius_m: float, kernel: str) -> np.ndarray:
    """Density per m² at ``places`` from the features in ``tree`` (one chunk of places)."""
    # Every (place, feature) pair within the radius, zero distances included.
    pairs = cKDTree(places).sparse_distance_matrix(tree, radius_m, output_type="ndarray")
    dist = pairs["v"]
    area = np.pi * radius_m**2
    if kernel == "uniform":
        weights = np.full(len(dist), 1.0 / area)
    else:
        weights = 3.0 / area * (1.0 - (dist / radius_m) ** 2) ** 2
    return np.bincount(pairs["i"], weights=weights, minlength=len(places))
