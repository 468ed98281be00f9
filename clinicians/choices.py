"""Choices of the Physician Business Contact Report, spelled as the report spells them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationBody(models.TextChoices):
    CPSO = "CPSO", _("College of Physicians and Surgeons of Ontario")
    CNO = "CNO", _("College of Nurses of Ontario")


class ClinicianType(models.TextChoices):
    FP = "FP", _("Family physician")
    NP = "NP", _("Nurse practitioner")
