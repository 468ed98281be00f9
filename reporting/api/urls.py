"""The quarterly metrics API, included under /api/v1/ by oht_portal.api.urls. A
SimpleRouter, so that the project's DefaultRouter keeps the one API root."""

from rest_framework.routers import SimpleRouter

from reporting.api.views import QuarterlyMetricsViewSet

router = SimpleRouter()
router.register("quarterly-metrics", QuarterlyMetricsViewSet, basename="quarterly-metrics")

urlpatterns = router.urls
