"""The distance prefilter never drops a point that is within the radius."""

from hypothesis import given
from hypothesis import strategies as st

from tinhso.feedback.routing import bounding_box, haversine_m


@given(
    lat=st.floats(min_value=8, max_value=23.5),
    lon=st.floats(min_value=102, max_value=110),
    bearing=st.floats(min_value=0, max_value=359.9),
    fraction=st.floats(min_value=0, max_value=0.999),
    radius=st.sampled_from([50.0, 500.0, 10_000.0]),
)
def test_points_within_the_radius_are_inside_the_box(lat, lon, bearing, fraction, radius):
    import math

    distance = radius * fraction
    dlat = distance * math.cos(math.radians(bearing)) / 111_320.0
    dlon = distance * math.sin(math.radians(bearing)) / (111_320.0 * math.cos(math.radians(lat)))
    other = (lat + dlat, lon + dlon)
    lat_min, lat_max, lon_min, lon_max = bounding_box(lat, lon, radius)
    if haversine_m(lat, lon, *other) <= radius:
        assert lat_min <= other[0] <= lat_max and lon_min <= other[1] <= lon_max


def test_known_distance():
    # Vinh to Hà Tĩnh city centre: about 45 km.
    assert 40_000 < haversine_m(18.6796, 105.6813, 18.3428, 105.9057) < 46_000
