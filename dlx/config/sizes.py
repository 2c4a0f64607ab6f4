"""Sizes in bytes as a user writes them: ``8GiB``, ``512 MB``, ``8g``, ``8e9``."""
from __future__ import annotations

import math
import re

from dlx.errors import ConfigError

UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6, "mib": 2**20,
         "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12, "tib": 2**40}


def parse_bytes(text: str | int | float) -> int:
    """``"8GiB"``, ``"512 MB"``, ``"8g"``, ``8e9`` -> bytes; a ConfigError if it is not a size."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        number, unit = float(text), ""
    else:
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*", str(text))
        if not match or match.group(2).lower() not in UNITS:
            raise ConfigError(f"memory limit {text!r} is not a size; write e.g. 8GiB, 512MB or 8e9 (bytes)")
        number, unit = float(match.group(1)), match.group(2).lower()
    if not math.isfinite(number) or number <= 0:
        raise ConfigError(f"memory limit {text!r} must be a positive size, e.g. 8GiB")
    return int(number * UNITS[unit])
