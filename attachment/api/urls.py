"""The waitlist API, included under /api/v1/ by oht_portal.api.urls. A SimpleRouter,
so that the project's DefaultRouter keeps the one API root."""

from rest_framework.routers import SimpleRouter

from attachment.api.matching import ProposalViewSet, ReferralViewSet
from attachment.api.views import PatientViewSet

router = SimpleRouter()
router.register("patients", PatientViewSet, basename="patient")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("referrals", ReferralViewSet, basename="referral")

urlpatterns = router.urls
