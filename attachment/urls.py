from django.urls import path

from attachment import views

app_name = "attachment"

urlpatterns = [
    path("", views.patient_index, name="patient_list"),
    path("<int:pk>/", views.patient_detail, name="patient_detail"),
]
