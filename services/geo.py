"""Distance on the earth's surface, for the village geofence.

Haversine on a sphere of the mean earth radius: within 0.5 % of the true (ellipsoid)
distance, far better than a phone's GPS in a valley, and needs no library.
"""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

from services.errors import UserError

EARTH_RADIUS_M = 6_371_008.8


def valid_coordinates(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two (latitude, longitude) points."""
    for lat, lon in ((lat1, lon1), (lat2, lon2)):
        if not valid_coordinates(lat, lon):
            raise UserError("attendance.bad_coordinates")
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    a = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(a)))

