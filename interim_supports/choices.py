"""Choices of the interim supports directory, named after the Open Referral Human
Services Data Specification (HSDS v3) where it has a name for them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportType(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in clinic")
    VIRTUAL = "virtual", _("Virtual care")
    NP_LED = "np_led", _("Nurse practitioner-led clinic")
    NURSE_LED = "nurse_led", _("Nurse-led clinic")
    NAVIGATOR = "navigator", _("OHT navigator")
    MOBILE = "mobile", _("Mobile clinic")
    SHELTER = "shelter", _("Shelter-based care")
    PARAMEDICINE = "paramedicine", _("Community paramedicine")
    PHARMACY = "pharmacy", _("Pharmacy")
    SOCIAL = "social", _("Social needs (211)")
    OTHER = "other", _("Other")


class SupportStatus(models.TextChoices):
    """HSDS service.status."""

    ACTIVE = "active", _("Active")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")
    INACTIVE = "inactive", _("Inactive")


class Cost(models.TextChoices):
    FREE = "free", _("Free")
    OHIP = "ohip", _("Covered by OHIP")
    FEE = "fee", _("Fee")


class LocationType(models.TextChoices):
    """HSDS location.location_type."""

    PHYSICAL = "physical", _("In person")
    VIRTUAL = "virtual", _("Virtual")


class OfferChannel(models.TextChoices):
    """How a list of supports reached the patient."""

    PRINTED = "printed", _("Printed list")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Told by phone")
    API = "api", _("Recorded by a care connector")
