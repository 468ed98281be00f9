from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from oht_portal.api.views import ImportRunViewSet, OHTViewSet

router = DefaultRouter()
router.register("ohts", OHTViewSet, basename="oht")
router.register("import-runs", ImportRunViewSet, basename="import-run")

urlpatterns = [
    path("", include(router.urls)),
    path("", include("attachment.api.urls")),
    path("", include("clinicians.api.urls")),
    path("", include("interim_supports.api.urls")),
    path("", include("reporting.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script as a same-origin file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
