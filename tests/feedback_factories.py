"""factory-boy factories for portal.feedback (committed, like tests/factories.py)."""

from __future__ import annotations

from portal.directory.models import OrganisationKind
from portal.feedback.models import Feedback, PulseResponse, Recognition, Theme, YouSaidWeDid
from tests.factories import Base


class FeedbackFactory(Base):
    class Meta:
        model = Feedback

    theme = Theme.KEEPING_PROMISES
    rating = 4
    text = "The lead called back when she said she would."
    anonymous = False
    organisation_kind = OrganisationKind.SCHOOL


class PulseResponseFactory(Base):
    class Meta:
        model = PulseResponse

    helpful = True
    knew_what_next = True


class RecognitionFactory(Base):
    class Meta:
        model = Recognition

    text = "Thank you for the careful referral and for joining the pod meeting at short notice."


class YouSaidWeDidFactory(Base):
    class Meta:
        model = YouSaidWeDid

    theme = Theme.WHAT_HAPPENS_NEXT
    you_said = "You did not always know what would happen after a consultation."
    we_did = "Every acknowledgement now says what happens next and by when."
