"""Pages reached without signing in (mounted at /public/): an OHT's published list of
interim supports, when the OHT switched it on. No patient data."""

from interim_supports.views.public import public_urlpatterns

urlpatterns = public_urlpatterns
