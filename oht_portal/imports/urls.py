from django.urls import path

from oht_portal.imports import views

urlpatterns = [
    path("", views.import_run_index, name="import_run_list"),
    path("<int:pk>/", views.import_run_detail, name="import_run_detail"),
    path("<int:pk>/issues.csv", views.import_run_issues_csv, name="import_run_issues_csv"),
]
