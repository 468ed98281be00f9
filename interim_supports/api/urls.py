"""The interim supports API, included under /api/v1/ by oht_portal.api.urls. A
SimpleRouter, so that the project's DefaultRouter keeps the one API root."""

from rest_framework.routers import SimpleRouter

from interim_supports.api.views import SupportOfferViewSet, SupportViewSet

router = SimpleRouter()
router.register("interim-supports", SupportViewSet, basename="interim-support")
router.register("support-offers", SupportOfferViewSet, basename="support-offer")

urlpatterns = router.urls
