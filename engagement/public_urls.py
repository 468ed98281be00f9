"""Pages a clinician reaches from an engagement e-mail, without an account: the open
pixel, tracked links and the survey (mounted at /e/)."""

from django.urls import path

from engagement.views import public

urlpatterns = [
    path("o/<uuid:token>.gif", public.open_pixel, name="engagement_open"),
    path("c/<uuid:token>/<int:link_id>/", public.click, name="engagement_click"),
    path("s/<int:clinician_id>/<str:token>/", public.survey, name="engagement_survey"),
    path("r/<uuid:key>/", public.resource_file, name="engagement_resource_file"),
]
