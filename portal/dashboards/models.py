"""The dashboards keep no table of their own: they read the requests' step timings
(portal.requests.models.StepTiming, recorded by portal.requests.timings) and the other domains' rows.
"""

from __future__ import annotations

from sqlalchemy import Index

from portal.requests.models import ConsultationRequest

# Demand (requests received per month by organisation type) reads a locality's requests received in a
# period: this index on the requests' table is the dashboards' own, so it is declared here (and in 0005).
Index(
    "ix_consultation_request_received",
    ConsultationRequest.locality_id,
    ConsultationRequest.received_at,
    ConsultationRequest.organisation_id,
    ConsultationRequest.worker_id,
)
