"""Who may use each route, one module per blueprint (pages, accounts, directory, requests, sessions, meetings,
feedback, dashboards): tests/integration/common/test_access.py joins these tables and checks every endpoint
in app.url_map against them, so a route missing from every table fails the build. Each module has `ACCESS`
(endpoint → roles) and `url_values(world, factories)` (objects in the world's first locality for its URL
parameters). Which objects a role may reach is portal/access.py's rule, proven in
tests/integration/common/test_managers_area.py."""

from __future__ import annotations

from portal.common.permissions import PUBLIC, SIGNED_IN
from portal.common.roles import Role

P, PR, M, A, S = Role.PARTNER, Role.PRACTITIONER, Role.MANAGER, Role.ADMIN, Role.SENIOR
EVERYONE = frozenset({PUBLIC})
ANY_SIGNED_IN = frozenset({SIGNED_IN})
STAFF = frozenset({PR, M, A})
MANAGERS = frozenset({M, A})
ADMINS = frozenset({A})
PARTNERS = frozenset({P})
CASEWORK = frozenset({PR, M})  # admins run the system and do not see case records
PEOPLE = frozenset({P, PR, M})
READERS = frozenset({M, S})  # the figures: a manager's area, a senior leader's every locality
