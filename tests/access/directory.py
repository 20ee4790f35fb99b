"""Access table for the directory routes (see tests/access/__init__.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.access import ADMINS, EVERYONE, MANAGERS, STAFF

ACCESS: dict[str, frozenset[Any]] = {
    "directory.search": EVERYONE,
    "directory.search_suggestions": EVERYONE,
    "directory.organisation": EVERYONE,
    "directory.localities": MANAGERS,
    "directory.new_locality": ADMINS,
    "directory.edit_locality": MANAGERS,
    "directory.locality": MANAGERS,
    "directory.service_levels": ADMINS,
    "directory.create_pod": MANAGERS,
    "directory.pod": MANAGERS,
    "directory.confirm_remove_pod_member": MANAGERS,
    "directory.remove_pod_member": MANAGERS,
    "directory.absences": STAFF,
    "directory.new_absence": STAFF,
    "directory.confirm_delete_absence": STAFF,
    "directory.delete_absence": STAFF,
    "directory.districts": ADMINS,
    "directory.confirm_delete_district": ADMINS,
    "directory.delete_district": ADMINS,
}


def url_values(world: Any, factories: Any) -> dict[str, Any]:
    """Values for this domain's URL parameters, for objects in the world's first locality: a pod with the
    practitioner in it, the practitioner's absence (the manager covers) and a district mapped to it."""
    from portal.directory.models import DistrictMapping
    from portal.extensions import db

    pod = factories.PodFactory(locality=world.locality)
    member = factories.PodMemberFactory(pod=pod, user=world.practitioner)
    absence = factories.StaffAbsenceFactory(
        user=world.practitioner, cover=world.manager, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 2)
    )
    mapping = DistrictMapping(district="Testshire", locality_id=world.locality.id)
    db.session.add(mapping)
    db.session.commit()
    return {
        "org_id": world.school.id,
        "locality_id": world.locality.id,
        "pod_id": pod.id,
        "member_id": member.id,
        "absence_id": absence.id,
        "mapping_id": mapping.id,
    }
