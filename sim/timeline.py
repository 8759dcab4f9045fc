"""Calendar of the monthly schedule: months as integers, dates as ``YYYY-MM``."""

from __future__ import annotations

import re

import numpy as np

from sim.errors import ConfigError

_DATE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str, key: str = "date") -> int:
    """Return the absolute month number (``year * 12 + month - 1``) of ``YYYY-MM``.

    Raises:
        ConfigError: if ``text`` is not a ``YYYY-MM`` date.
    """
    match = _DATE.fullmatch(str(text))
    if not match:
        raise ConfigError(key, f"must be a date YYYY-MM, got {text!r}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def format_month(month: int) -> str:
    """``YYYY-MM`` of an absolute month number."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def year_of(month: int) -> int:
    """Calendar year of an absolute month number."""
    return month // 12


def month_of_year(month: int) -> int:
    """Month of the year (1-12) of an absolute month number."""
    return month % 12 + 1


def monthly_probability(rate_per_year):
    """Probability of an event within one month, for a yearly hazard rate ``rate_per_year``.

    ``1 - exp(-rate / 12)``: the rate of a Poisson process spread evenly over the
    year (docs/ODD.md §4.9). Scalars and arrays alike.
    """
    return -np.expm1(-rate_per_year / 12.0)
