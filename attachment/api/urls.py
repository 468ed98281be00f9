"""The waitlist API, included under /api/v1/ by oht_portal.api.urls. A SimpleRouter,
so that the project's DefaultRouter keeps the one API root."""

from rest_framework.routers import SimpleRouter

from attachment.api.views import PatientViewSet

router = SimpleRouter()
router.register("patients", PatientViewSet, basename="patient")

urlpatterns = router.urls
