"""Cell-key perturbation in the checker: recompute every perturbed count with its own code.

A release made with ``[rules] method = "cell_key"`` publishes every count as its true value
plus noise. The noise is read from the perturbation table in ``manifest.json`` by the *cell
key*: the sum, modulo 2³², of the record keys (``record_key`` in the units file) of the
units counted. This module shares no code with the publisher. It checks the table itself
(every row a distribution with mean 0, noise within ``±D``, no negative value, zeros left at
zero, no value from 1 to ``js - 1``, key intervals that tile ``[0, 2³²)``), the record keys
(against the secret, when the environment holds it), and, with its own lookup, that every
published count is exactly what the units and their keys give.

For the attacks a perturbed count ``p`` stands for every true count the table can turn into
``p``: ``[max(p - D, 0), p + D]``, and at least 1 when ``p ≥ 1`` (zeros stay zero). That is
what :func:`count_bounds` returns; the differencing attacks take it as they take a rounding
interval.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from zicht.check._report import CheckReport

__all__ = ["Perturbation", "count_bounds", "read_perturbation"]

_MOD = 2**32


@dataclass(frozen=True)
class Perturbation:
    """A release's perturbation table as the checker read and verified it."""

    d: int
    js: int
    rows: dict[int, tuple[np.ndarray, np.ndarray]]  # n -> (noise, upper key bound)
    secret_env: str

    def noise(self, n: np.ndarray, cell_keys: np.ndarray) -> np.ndarray:
        """Return the noise of true counts ``n`` under cell keys ``cell_keys``."""
        top = max(self.rows)
        row = np.minimum(np.asarray(n, dtype=np.int64), top)
        out = np.zeros(len(row), dtype=np.int64)
        for r, (v, upper) in self.rows.items():
            at = np.flatnonzero(row == r)
            if len(at):
                pick = np.searchsorted(upper, cell_keys[at].astype(np.int64), side="right")
                out[at] = v[np.minimum(pick, len(v) - 1)]
        return out

    def published(self, member: pd.Series, counted: np.ndarray, keys: np.ndarray, ids: Any):
        """Return the perturbed count of every feature in ``ids`` (``member``: its units)."""
        sel = counted & (member.to_numpy() != "")
        frame = pd.DataFrame({"f": member.to_numpy()[sel], "k": keys[sel]})
        grouped = frame.groupby("f")["k"]
        n = grouped.size().reindex(ids, fill_value=0).to_numpy()
        cell = (grouped.sum() % _MOD).reindex(ids, fill_value=0).to_numpy()
        return n + self.noise(n, cell)


def count_bounds(published: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the true counts a perturbed count can stand for (zeros stay zero)."""
    p = np.asarray(published, dtype=float)
    lo = np.maximum(p - d, np.where(p >= 1, 1.0, 0.0))
    return lo, p + d


def read_perturbation(
    manifest: dict[str, Any], where: str, report: CheckReport
) -> Perturbation | None:
    """Return the verified perturbation table of a cell-key release (``None`` otherwise)."""
    rules = manifest.get("rules", {})
    if rules.get("method") != "cell_key":
        return None
    info = dict(manifest.get("disclosure", {}).get("cell_key") or {})
    table = pd.DataFrame(info.get("table") or {})
    need = {"n", "v", "p", "lower", "upper"}
    if not need <= set(table.columns) or table.empty:
        report.add("cell key", where, "the manifest holds no perturbation table")
        return None
    d, js = int(rules.get("cell_key_d", 0)), int(rules.get("cell_key_js", 0))
    rows = {}
    for n, part in table.groupby("n"):
        part = part.sort_values("lower")
        v, p = part["v"].to_numpy(dtype=np.int64), part["p"].to_numpy(dtype=float)
        lower, upper = part["lower"].to_numpy(np.int64), part["upper"].to_numpy(np.int64)
        out = int(n) + v
        problems = [
            (abs(p.sum() - 1) > 1e-9, "probabilities do not sum to 1"),
            (abs(p @ v) > 1e-6, f"mean noise {p @ v:.2g}, not 0"),
            ((np.abs(v) > d).any(), f"noise beyond ±{d}"),
            ((out < 0).any(), "negative published values"),
            (int(n) == 0 and (v != 0).any(), "a zero is perturbed"),
            (((out >= 1) & (out < js)).any(), f"published values below js = {js}"),
            (lower[0] != 0 or upper[-1] != _MOD or (lower[1:] != upper[:-1]).any(), "keys"),
        ]
        for bad, what in problems:
            if bad:
                report.add("cell key", f"{where}: perturbation table, n = {n}", what)
        rows[int(n)] = (v, upper)
    if max(rows, default=0) < d + max(js, 1):
        report.add("cell key", f"{where}: perturbation table", "too few rows for large counts")
    return Perturbation(d, js, rows, str(rules.get("cell_key_secret_env", "")))


def record_keys(units: pd.DataFrame, ck: Perturbation, where: str, report: CheckReport):
    """Return the units' record keys, checked against the secret when it is in the env."""
    if "record_key" not in units:
        report.add("cell key", where, "the units file has no record_key column")
        return None
    keys = pd.to_numeric(units["record_key"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(keys).all() or (keys < 0).any() or (keys >= _MOD).any():
        report.add("cell key", where, "record keys are missing or outside [0, 2³²)")
        return None
    secret = os.environ.get(ck.secret_env, "") if ck.secret_env else ""
    if secret and "unit_id" in units:
        own = np.array(
            [
                int.from_bytes(hmac.new(secret.encode(), u.encode(), hashlib.sha256).digest()[:4])
                for u in units["unit_id"].astype(str)
            ],
            dtype=np.int64,
        )
        wrong = int((own != keys.astype(np.int64)).sum())
        if wrong:
            report.add("cell key", where, f"{wrong} record keys do not follow from the secret")
    return keys.astype(np.int64)


def check_perturbed(
    name: str, published: np.ndarray, expected: np.ndarray, where: str, report: CheckReport
) -> None:
    """Report published counts that are not the perturbed true counts."""
    shown = np.isfinite(published)
    wrong = shown & (published != expected)
    if wrong.any():
        report.add(
            "values match the units",
            where,
            f"{name!r}: {int(wrong.sum())} features are not the cell-key perturbed count of "
            "their units",
        )
