from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("print/", views.print_summary, name="print"),
    path("rebuild/", views.rebuild, name="rebuild"),
    path("export/<str:table>.<str:file_format>", views.export, name="export"),
]
