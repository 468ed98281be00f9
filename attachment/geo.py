"""Distances between FSAs, from the centroids shipped in attachment/data (GeoNames,
CC BY 4.0). Good enough to tell a practice 3 km away from one 60 km away; an FSA the
file does not know has no distance."""

import csv
import math
from functools import lru_cache
from pathlib import Path

CENTROIDS_FILE = Path(__file__).parent / "data" / "ontario_fsa_centroids.csv"
EARTH_RADIUS_KM = 6371.0


@lru_cache(maxsize=1)
def centroids() -> dict[str, tuple[float, float]]:
    """FSA → (latitude, longitude) in radians."""
    with CENTROIDS_FILE.open(encoding="utf-8", newline="") as handle:
        return {
            row["fsa"]: (
                math.radians(float(row["latitude"])),
                math.radians(float(row["longitude"])),
            )
            for row in csv.DictReader(handle)
        }


def distance_km(fsa_a: str, fsa_b: str) -> float | None:
    """Great-circle distance between two FSAs' centroids; 0 for the same FSA."""
    if fsa_a == fsa_b:
        return 0.0
    known = centroids()
    if fsa_a not in known or fsa_b not in known:
        return None
    (lat1, lon1), (lat2, lon2) = known[fsa_a], known[fsa_b]
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def is_remote_fsa(fsa: str) -> bool:
    """Canada Post's rural FSAs have 0 as their digit (K0A, P0V)."""
    return len(fsa) == 3 and fsa[1] == "0"
