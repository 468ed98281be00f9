"""Choices of the Physician Business Contact Report, spelled as the report spells them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationBody(models.TextChoices):
    CPSO = "CPSO", _("College of Physicians and Surgeons of Ontario")
    CNO = "CNO", _("College of Nurses of Ontario")


class ClinicianType(models.TextChoices):
    FP = "FP", _("Family physician")
    NP = "NP", _("Nurse practitioner")


class TeamType(models.TextChoices):
    """Ontario's team-based primary care models."""

    FHT = "FHT", _("Family Health Team")
    CHC = "CHC", _("Community Health Centre")
    NPLC = "NPLC", _("Nurse Practitioner-Led Clinic")
    IPCT = "IPCT", _("Interprofessional primary care team")


class AcceptingStatus(models.TextChoices):
    """The FHIR provider-directory `newpatients` codes (Da Vinci PDex Plan Net,
    AcceptingPatientsCS), so a declaration exports without translation."""

    NOT_ACCEPTING = "nopt", _("Not accepting patients")
    ACCEPTING = "newpt", _("Accepting new patients")
    EXISTING_ONLY = "existptonly", _("Accepting existing patients only")
    EXISTING_AND_FAMILY = "existptfam", _("Accepting existing patients and their families")


class RecruitmentStatus(models.TextChoices):
    """Where the PCN stands with a clinician who is not a member yet."""

    NOT_CONTACTED = "not_contacted", _("Not contacted")
    CONTACTED = "contacted", _("Contacted")
    INTERESTED = "interested", _("Interested")
    DECLINED = "declined", _("Declined")
    JOINING = "joining", _("Joining")


class DigitalReadiness(models.TextChoices):
    PAPER = "paper", _("Paper records")
    EMR = "emr", _("Electronic medical record")
    CONNECTED = "connected", _("EMR connected to provincial e-services")


class EReferralStatus(models.TextChoices):
    NOT_ENABLED = "not_enabled", _("Not enabled")
    ONBOARDING = "onboarding", _("Onboarding")
    ENABLED = "enabled", _("Receives e-referrals")


class ContactPreference(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")
    MAIL = "mail", _("Mail")


class DeclarationChannel(models.TextChoices):
    """How a capacity declaration reached the portal."""

    STAFF = "staff", _("Entered by OHT staff")
    SELF_SERVICE = "self_service", _("Clinician's own link")
    SURVEY = "survey", _("Answer to a capacity survey")


class LinkPurpose(models.TextChoices):
    CAPACITY = "capacity", _("Confirm or update capacity")
    SURVEY = "survey", _("Answer a survey")


class EntrySource(models.TextChoices):
    """Where a clinician or location entered the directory. A local entry is adopted
    by the report (becomes `report`) the first time the report lists it."""

    REPORT = "report", _("Physician Business Contact Report")
    LOCAL = "local", _("Recorded by the OHT")
