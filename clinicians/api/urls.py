"""The directory API, included under /api/v1/ by oht_portal.api.urls. A SimpleRouter,
so that the project's DefaultRouter keeps the one API root."""

from rest_framework.routers import SimpleRouter

from clinicians.api.views import (
    ClinicianViewSet,
    FHIRDirectoryViewSet,
    LocationViewSet,
    TeamViewSet,
)

router = SimpleRouter()
router.register("locations", LocationViewSet, basename="location")
router.register("clinicians", ClinicianViewSet, basename="clinician")
router.register("teams", TeamViewSet, basename="team")
router.register("fhir", FHIRDirectoryViewSet, basename="fhir-directory")

urlpatterns = router.urls
