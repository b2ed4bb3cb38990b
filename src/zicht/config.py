"""Typed, frozen configuration of a zicht run.

Every option lives in a frozen dataclass with its default; :func:`load_config` reads a
TOML file into them and names any unknown key or wrong value with the allowed ones.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from zicht._errors import ConfigError
from zicht.publish import DisclosureRules

__all__ = ["DemoConfig", "StatsConfig", "default_geodata_dir", "load_config"]

CORRECTIONS = ("fdr_bh", "bonferroni", "none")


def default_geodata_dir() -> Path:
    """Return the ``geodata/`` folder of the source tree (the shipped real data)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "geodata"
        if (candidate / "cbs").is_dir():
            return candidate
    return Path.cwd() / "geodata"


@dataclass(frozen=True)
class StatsConfig:
    """Hot-spot statistics settings.

    Parameters
    ----------
    k
        H3 k-ring of the binary weights (1 = the six touching hexagons).
    permutations
        Conditional permutations for pseudo p-values; 0 uses the analytic z-test.
    seed
        Seed of the permutations.
    alpha
        Significance level after correction.
    correction
        Multiple-testing correction: ``"fdr_bh"`` (Benjamini–Hochberg), ``"bonferroni"``
        or ``"none"``.
    """

    k: int = 1
    permutations: int = 999
    seed: int = 20221126
    alpha: float = 0.05
    correction: str = "fdr_bh"

    def __post_init__(self) -> None:
        if self.correction not in CORRECTIONS:
            raise ConfigError(
                f"stats.correction = {self.correction!r} is not allowed; use one of {CORRECTIONS}"
            )
        if self.k < 1:
            raise ConfigError(f"stats.k must be at least 1, got {self.k}")
        if self.permutations < 0:
            raise ConfigError(f"stats.permutations must be 0 or more, got {self.permutations}")
        if not 0 < self.alpha <= 0.10:
            raise ConfigError(
                f"stats.alpha must lie in (0, 0.10] (the widest hot-spot bin is 90 %), "
                f"got {self.alpha}"
            )


@dataclass(frozen=True)
class DemoConfig:
    """Settings of the demo run on the shipped data.

    Parameters
    ----------
    gemeente
        CBS code of the study area (default Ede, ``GM0228``).
    resolution
        H3 resolution of the hexagon layer.
    seed
        Seed of the synthetic unit-level data.
    geodata
        Folder with the shipped real data.
    stats
        Hot-spot statistics settings.
    rules
        Disclosure rules.
    """

    gemeente: str = "GM0228"
    resolution: int = 9
    seed: int = 20221
    geodata: Path = field(default_factory=default_geodata_dir)
    # 9,999 permutations: with ~1,200 cells, FDR needs pseudo p-values below the
    # floor of 1/1,000 that 999 permutations can give.
    stats: StatsConfig = field(default_factory=lambda: StatsConfig(permutations=9999))
    rules: DisclosureRules = field(default_factory=DisclosureRules)

    def __post_init__(self) -> None:
        if not 7 <= self.resolution <= 12:
            raise ConfigError(f"resolution must be 7 to 12, got {self.resolution}")
        if not (self.gemeente.startswith("GM") and len(self.gemeente) == 6):
            raise ConfigError(f"gemeente must be a CBS code like 'GM0228', got {self.gemeente!r}")


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    allowed = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown key(s) {unknown} in [{where}]; allowed: {sorted(allowed)}")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        default = getattr(cls(), key) if key in allowed else None
        if is_dataclass(default) and isinstance(value, dict):
            kwargs[key] = _build(type(default), value, f"{where}.{key}" if where else key)
        elif isinstance(default, Path):
            kwargs[key] = Path(value)
        else:
            kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"[{where}]: {exc}") from exc


def load_config(path: str | Path) -> DemoConfig:
    """Read a TOML file into a :class:`DemoConfig`.

    Parameters
    ----------
    path
        TOML file; top-level keys are :class:`DemoConfig` fields, ``[stats]`` and
        ``[rules]`` are tables.

    Returns
    -------
    DemoConfig
        The validated configuration.

    Raises
    ------
    ConfigError
        If the file is not valid TOML, or a key or value is not allowed.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    config: DemoConfig = _build(DemoConfig, data, "")
    return config
