"""Forms of the directory. `CapacityForm` is the one way a person states capacity,
whether staff on a location page, a clinician through their link or a survey answer."""

import copy
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clinicians.choices import AcceptingStatus, ClinicianType, RegistrationBody
from clinicians.models import Clinician, PracticeLocation, PrimaryCareTeam, SavedLocationReport
from clinicians.services import (
    CLINICIAN_LOCAL_FIELDS,
    LOCATION_LOCAL_FIELDS,
    CapacityFigures,
    LocalEntry,
)
from oht_portal.imports.validation import ISO_639_1, ONTARIO_POSTAL_CODE

_FSA = re.compile(r"[A-Z][0-9][A-Z]")


def clean_code_list(text: str, *, languages: bool) -> str:
    """`;`- or `,`-separated ISO 639-1 codes or FSAs, normalised to `a;b`, or an error
    naming the bad code."""
    parts = [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]
    codes = [p.lower() if languages else p.upper() for p in parts]
    for code in codes:
        if (languages and code not in ISO_639_1) or (not languages and not _FSA.fullmatch(code)):
            message = (
                _("“%(code)s” is not an ISO 639-1 language code.")
                if languages
                else _("“%(code)s” is not an FSA (letter, digit, letter).")
            )
            raise ValidationError(message, params={"code": code})
    return ";".join(dict.fromkeys(codes))


class CapacityForm(forms.Form):
    accepting_status = forms.ChoiceField(
        label=_("Accepting"), choices=AcceptingStatus.choices, initial=AcceptingStatus.ACCEPTING
    )
    new_patients = forms.IntegerField(
        label=_("New patients you can take"), min_value=0, max_value=5000, initial=0
    )
    min_age = forms.IntegerField(
        label=_("Youngest age taken"), min_value=0, max_value=120, required=False
    )
    max_age = forms.IntegerField(
        label=_("Oldest age taken"), min_value=0, max_value=120, required=False
    )
    languages = forms.CharField(
        label=_("Languages required"),
        required=False,
        max_length=100,
        help_text=_("ISO 639-1 codes such as fr;en. Leave blank for the practice's languages."),
    )
    takes_complex = forms.BooleanField(
        label=_("Takes complex vulnerable patients"), required=False, initial=True
    )
    batch_size = forms.IntegerField(
        label=_("Takes referrals in batches of"), min_value=1, max_value=500, required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, declaration=None, **kwargs):
        """Start from `declaration`'s figures when one is given."""
        if declaration is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "accepting_status": declaration.accepting_status,
                "new_patients": declaration.new_patients,
                "min_age": declaration.min_age,
                "max_age": declaration.max_age,
                "languages": declaration.languages,
                "takes_complex": declaration.takes_complex,
                "batch_size": declaration.batch_size,
            }
        super().__init__(*args, **kwargs)

    def clean_languages(self):
        return clean_code_list(self.cleaned_data["languages"], languages=True)

    def clean(self):
        data = super().clean()
        status, places = data.get("accepting_status"), data.get("new_patients")
        if status == AcceptingStatus.NOT_ACCEPTING and places:
            self.add_error(
                "new_patients", _("A practice that is not accepting patients has no places.")
            )
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", _("The oldest age must not be below the youngest."))
        return data

    def figures(self) -> CapacityFigures:
        data = self.cleaned_data
        return CapacityFigures(
            accepting_status=data["accepting_status"],
            new_patients=data["new_patients"],
            min_age=data.get("min_age"),
            max_age=data.get("max_age"),
            languages=data.get("languages", ""),
            takes_complex=data.get("takes_complex", False),
            batch_size=data.get("batch_size"),
            note=data.get("note", ""),
        )


class StaffCapacityForm(CapacityForm):
    """Capacity as staff enter it: the figures, and who gave them."""

    declared_by_name = forms.CharField(
        label=_("Declared by"),
        required=False,
        max_length=200,
        help_text=_("The clinician or clinic manager who gave the figures, if not you."),
    )


class VerifyForm(forms.Form):
    """Confirms one declaration: the page names the one it showed, so a confirmation
    never lands on a newer declaration someone else entered meanwhile."""

    declaration = forms.IntegerField(widget=forms.HiddenInput)


class LocalAttributesForm(forms.ModelForm):
    """Works on a copy of the object: the service compares the stored values with the
    new ones to save and audit only what changed, so the form must not touch them."""

    def __init__(self, *args, instance, **kwargs):
        super().__init__(*args, instance=copy.copy(instance), **kwargs)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class LocationAttributesForm(LocalAttributesForm):
    class Meta:
        model = PracticeLocation
        fields = LOCATION_LOCAL_FIELDS
        widgets = {"accessibility_note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, instance, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["team"].queryset = PrimaryCareTeam.objects.filter(oht_id=instance.oht_id)

    def clean_languages_local(self) -> str:
        return clean_code_list(self.cleaned_data["languages_local"], languages=True)

    def clean_fsas_served(self) -> str:
        return clean_code_list(self.cleaned_data["fsas_served"], languages=False)


class ClinicianAttributesForm(LocalAttributesForm):
    class Meta:
        model = Clinician
        fields = CLINICIAN_LOCAL_FIELDS


class TeamForm(forms.ModelForm):
    """A primary care team. Its OHT is chosen once, at creation: its locations belong
    to that OHT."""

    oht = forms.ModelChoiceField(
        label=_("OHT"), queryset=None, to_field_name="code", empty_label=None
    )

    class Meta:
        model = PrimaryCareTeam
        fields = (
            "oht",
            "name",
            "team_type",
            "email",
            "phone",
            "pcn_member",
            "recruitment_status",
            "note",
        )
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, ohts, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["oht"]
        else:
            self.fields["oht"].queryset = ohts

    def clean(self):
        data = super().clean()
        oht = data.get("oht") or getattr(self.instance, "oht", None)
        name = data.get("name")
        same_name = PrimaryCareTeam.objects.filter(oht=oht, name__iexact=name)
        if oht and name and same_name.exclude(pk=self.instance.pk).exists():
            self.add_error("name", _("This OHT already has a team with that name."))
        return data


class SavedReportForm(forms.Form):
    """Names the directory's current filters (the query string the form is posted
    with) for one of the person's OHTs."""

    name = forms.CharField(label=_("Report name"), max_length=200)
    oht = forms.ModelChoiceField(
        label=_("OHT"), queryset=None, to_field_name="code", empty_label=None
    )

    def __init__(self, *args, ohts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oht"].queryset = ohts

    def clean(self):
        data = super().clean()
        oht, name = data.get("oht"), data.get("name")
        if oht and name and SavedLocationReport.objects.filter(oht=oht, name__iexact=name).exists():
            self.add_error(
                "name",
                _("%(oht)s already has a saved report named “%(name)s”.")
                % {"oht": oht.code, "name": name},
            )
        return data


class LocalEntryForm(forms.Form):
    """A clinician and practice location the report does not list, entered by staff."""

    oht = forms.ModelChoiceField(label=_("OHT"), queryset=None, to_field_name="code")
    registration_body = forms.ChoiceField(
        label=_("Registration body"), choices=RegistrationBody.choices
    )
    registration_number = forms.RegexField(
        label=_("Registration number"),
        regex=r"^[0-9]{4,7}$",
        error_messages={"invalid": _("4 to 7 digits.")},
    )
    clinician_type = forms.ChoiceField(label=_("Clinician type"), choices=ClinicianType.choices)
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    practice_name = forms.CharField(label=_("Practice name"), max_length=200)
    address = forms.CharField(label=_("Street address"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), max_length=7)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Business e-mail"), required=False)
    languages = forms.CharField(
        label=_("Languages of care"),
        max_length=100,
        required=False,
        help_text=_("ISO 639-1 codes such as fr;en."),
    )

    def __init__(self, *args, ohts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oht"].queryset = ohts

    def clean_postal_code(self) -> str:
        code = self.cleaned_data["postal_code"].replace(" ", "").upper()
        if not re.fullmatch(ONTARIO_POSTAL_CODE, code):
            raise ValidationError(_("Not an Ontario postal code (A1A 1A1, first K, L, M, N or P)."))
        return code

    def clean_phone(self) -> str:
        digits = re.sub(r"^\+1|[\s.\-()]", "", self.cleaned_data["phone"])
        if digits and not re.fullmatch(r"[0-9]{10}", digits):
            raise ValidationError(_("Not a 10-digit phone number."))
        return digits

    def clean_languages(self) -> str:
        return clean_code_list(self.cleaned_data["languages"], languages=True)

    def entry(self) -> LocalEntry:
        data = {name: value for name, value in self.cleaned_data.items() if name != "oht"}
        return LocalEntry(**data)
