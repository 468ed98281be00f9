"""Pages reached without signing in: the clinician's signed, expiring link."""

from django.urls import path

from clinicians.views.self_service import link_page

urlpatterns = [path("<int:clinician_id>/<str:token>/", link_page, name="clinician_link")]
