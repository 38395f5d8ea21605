from __future__ import annotations

from slots.attributes import is_known_attribute, namespace_of, namespaces_read


def test_namespace_of_is_the_first_segment() -> None:
    assert namespace_of("geo.city") == "geo"
    assert namespace_of("segments") == "segments"


def test_namespaces_read_includes_where_stored_attributes_live() -> None:
    assert namespaces_read(["device.type", "geo.city"]) == {"device", "geo"}
    # The last campaign is stored with the profile, though it is read as visit.campaign.
    assert namespaces_read(["visit.campaign"]) == {"visit", "profile"}
    assert namespaces_read(["visit.utm_source"]) == {"visit"}


def test_is_known_attribute() -> None:
    assert is_known_attribute("geo.country")
    assert is_known_attribute("profile.categories.dogs")
    assert is_known_attribute("page.query.ref")
    assert is_known_attribute("geo")  # a parent of known attributes
    assert not is_known_attribute("geo.contry")
