from clinicians.views import directory, reports, self_service, summary, teams

app_name = "clinicians"

urlpatterns = (
    directory.urlpatterns
    + reports.urlpatterns
    + teams.urlpatterns
    + summary.urlpatterns
    + self_service.staff_urlpatterns
)
