"""Forms of the interim supports pages. They check the shape of what was typed (ISO
639-1 languages, FSAs, Ontario postal codes, ten-digit phones); the rules live in
`interim_supports.services`, whose ApplicationError the views show as a form error."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from clinicians.forms import clean_code_list
from interim_supports.choices import LocationType
from interim_supports.models import (
    SupportHours,
    SupportLocation,
    SupportOrganization,
    SupportService,
)
from oht_portal.imports.validation import ONTARIO_POSTAL_CODE


def https_urls(model_field, **kwargs):
    """Model form fields, a web address typed without its scheme read as https."""
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


def clean_phone(value: str) -> str:
    """Ten digits, whatever the punctuation typed around them."""
    digits = re.sub(r"^\+1|[\s.\-()]", "", value or "")
    if digits and not re.fullmatch(r"[0-9]{10}", digits):
        raise ValidationError(_("Not a 10-digit phone number."))
    return digits


def clean_postal_code(value: str) -> str:
    code = (value or "").replace(" ", "").upper()
    if code and not re.fullmatch(ONTARIO_POSTAL_CODE, code):
        raise ValidationError(_("Not an Ontario postal code (A1A 1A1, first K, L, M, N or P)."))
    return code


class SupportForm(forms.ModelForm):
    """A support's own fields, with its OHT (chosen once, at creation) and its
    organization: one of the OHT's, or a new one named here."""

    oht = forms.ModelChoiceField(
        label=_("OHT"), queryset=None, to_field_name="code", empty_label=None
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=None,
        required=False,
        help_text=_("Who runs the support. Leave blank to add a new organization below."),
    )
    new_organization = forms.CharField(label=_("New organization"), max_length=200, required=False)
    new_organization_website = forms.URLField(
        label=_("New organization's website"), max_length=500, required=False, assume_scheme="https"
    )
    new_organization_phone = forms.CharField(
        label=_("New organization's phone"), max_length=20, required=False
    )

    class Meta:
        model = SupportService
        fields = (
            "name_en",
            "name_fr",
            "support_type",
            "status",
            "description_en",
            "description_fr",
            "languages",
            "fsas_served",
            "province_wide",
            "walk_in",
            "by_appointment",
            "by_phone",
            "online",
            "min_age",
            "max_age",
            "unattached_only",
            "complex_needs",
            "indigenous_led",
            "eligibility_en",
            "eligibility_fr",
            "cost",
            "cost_note",
            "capacity_note_en",
            "capacity_note_fr",
            "phone",
            "email",
            "url",
            "closed_on_holidays",
            "review_every_days",
        )
        formfield_callback = https_urls
        widgets = {
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "description_fr": forms.Textarea(attrs={"rows": 3}),
            "languages": forms.TextInput,
            "fsas_served": forms.TextInput,
            "eligibility_en": forms.Textarea(attrs={"rows": 2}),
            "eligibility_fr": forms.Textarea(attrs={"rows": 2}),
            "capacity_note_en": forms.Textarea(attrs={"rows": 2}),
            "capacity_note_fr": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "languages": _("ISO 639-1 codes such as en;fr;ar."),
            "fsas_served": _("FSAs such as M4C;M4E. Leave blank for the OHT's whole catchment."),
        }

    def __init__(self, *args, ohts, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["oht"]
            oht_ids = [self.instance.oht_id]
            self.initial.setdefault("organization", self.instance.organization_id)
        else:
            self.fields["oht"].queryset = ohts
            oht_ids = list(ohts.values_list("pk", flat=True))
        self.fields["organization"].queryset = SupportOrganization.objects.filter(
            oht_id__in=oht_ids
        ).select_related("oht")
        if len(oht_ids) > 1:
            self.fields["organization"].label_from_instance = lambda org: (
                f"{org.name} ({org.oht.code})"
            )

    def clean_languages(self) -> str:
        codes = clean_code_list(self.cleaned_data["languages"], languages=True)
        if not codes:
            raise ValidationError(_("Name at least one language the support is offered in."))
        return codes

    def clean_fsas_served(self) -> str:
        return clean_code_list(self.cleaned_data["fsas_served"], languages=False)

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean_new_organization_phone(self) -> str:
        return clean_phone(self.cleaned_data["new_organization_phone"])

    def chosen_oht(self):
        return self.instance.oht if self.instance.pk else self.cleaned_data.get("oht")

    def clean(self):
        data = super().clean()
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", _("The oldest age must not be below the youngest."))
        if not any(data.get(name) for name in ("walk_in", "by_appointment", "by_phone", "online")):
            self.add_error(
                None, _("Say how to access the support: walk in, book, phone or online.")
            )
        organization, new_name = data.get("organization"), data.get("new_organization", "").strip()
        oht = self.chosen_oht()
        if organization and new_name:
            self.add_error(
                "new_organization", _("Choose an organization or name a new one, not both.")
            )
        elif not organization and not new_name:
            self.add_error("organization", _("Choose the organization or name a new one."))
        elif organization and oht and organization.oht_id != oht.pk:
            self.add_error("organization", _("The organization belongs to another OHT."))
        elif (
            new_name
            and oht
            and SupportOrganization.objects.filter(oht=oht, name__iexact=new_name).exists()
        ):
            self.add_error(
                "new_organization", _("This OHT already has an organization with that name.")
            )
        return data

    def organization_for(self, oht) -> SupportOrganization:
        """The chosen organization, or the new one (unsaved) for `oht`."""
        data = self.cleaned_data
        if data.get("organization"):
            return data["organization"]
        return SupportOrganization(
            oht=oht,
            name=data["new_organization"].strip(),
            website=data.get("new_organization_website", ""),
            phone=data.get("new_organization_phone", ""),
        )


class HoursForm(forms.ModelForm):
    class Meta:
        model = SupportHours
        fields = ("weekday", "opens_at", "closes_at")
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class LocationForm(forms.ModelForm):
    # Room for the space people type in the middle; stored without it.
    postal_code = forms.CharField(label=_("Postal code"), max_length=7, required=False)

    class Meta:
        model = SupportLocation
        fields = ("location_type", "name", "address", "city", "postal_code", "url", "accessibility")
        formfield_callback = https_urls

    def clean_postal_code(self) -> str:
        return clean_postal_code(self.cleaned_data["postal_code"])

    def clean(self):
        data = super().clean()
        if data.get("location_type") == LocationType.VIRTUAL and not data.get("url"):
            self.add_error("url", _("A virtual location needs its web address."))
        if data.get("location_type") == LocationType.PHYSICAL and not data.get("address"):
            self.add_error("address", _("A location in person needs its street address."))
        return data


HoursFormSet = inlineformset_factory(
    SupportService, SupportHours, form=HoursForm, extra=3, can_delete=True
)
LocationFormSet = inlineformset_factory(
    SupportService,
    SupportLocation,
    form=LocationForm,
    extra=1,
    can_delete=True,
)


class ShareForm(forms.Form):
    """The supports chosen for a patient, the list's language, and how to share it."""

    PRINT, EMAIL = "print", "email"

    supports = forms.ModelMultipleChoiceField(
        label=_("Supports to share"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one support.")},
    )
    language = forms.ChoiceField(label=_("Language of the list"), choices=settings.LANGUAGES)
    action = forms.ChoiceField(
        choices=[(PRINT, _("Print the list")), (EMAIL, _("E-mail the list"))]
    )

    def __init__(self, *args, supports, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supports"].queryset = supports


class PublicPageForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Publish the page"),
        required=False,
        help_text=_("Anyone can open it without signing in. It lists supports, never patients."),
    )
    intro_en = forms.CharField(
        label=_("Introduction (English)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    intro_fr = forms.CharField(
        label=_("Introduction (French)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
