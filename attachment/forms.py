"""Forms of the patient page. They check the shape of what was typed; the rules (what an
attempt does to outreach, which results take updated needs) live in
`attachment.services`, whose ApplicationError the views show as a form error."""

import re

from django import forms
from django.conf.locale import LANG_INFO
from django.utils.text import capfirst
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from attachment.choices import AttemptStatus, Channel, PreferredContact, VerificationResult

# Statuses a person records by hand; "queued" and "skipped" only come from campaigns.
MANUAL_ATTEMPT_STATUSES = [
    (value, label)
    for value, label in AttemptStatus.choices
    if value not in {AttemptStatus.QUEUED, AttemptStatus.SKIPPED}
]
BLANK = [("", "—")]


def language_choices() -> list[tuple[str, str]]:
    """ISO 639-1 languages Django knows, named in the page's language. A callable, so
    the names follow the language of each request."""
    codes = [code for code, info in LANG_INFO.items() if len(code) == 2 and "name" in info]
    named = [(code, capfirst(get_language_info(code)["name_translated"])) for code in codes]
    return BLANK + sorted(named, key=lambda choice: choice[1].casefold())


class LocalContactForm(forms.Form):
    """The OHT's corrections of a patient's contact details; blank means "use HCC's"."""

    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    mailing_address = forms.CharField(
        label=_("Mailing address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    preferred_contact = forms.ChoiceField(
        label=_("Preferred contact"), choices=BLANK + PreferredContact.choices, required=False
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=language_choices, required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_phone(self) -> str:
        digits = re.sub(r"\D", "", self.cleaned_data["phone"])
        if digits and len(digits) != 10:
            raise forms.ValidationError(_("Enter a 10-digit phone number."))
        return digits

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class OutreachAttemptForm(forms.Form):
    """A letter, e-mail, text or call made outside a campaign, and what came of it."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    status = forms.ChoiceField(label=_("Status"), choices=MANUAL_ATTEMPT_STATUSES)
    attempted_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave blank for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerificationForm(forms.Form):
    """A verification result; the updated needs go with "still needs a clinician"."""

    result = forms.ChoiceField(label=_("Result"), choices=VerificationResult.choices)
    needs_language = forms.ChoiceField(
        label=_("Language of care needed"), choices=language_choices, required=False
    )
    needs_paediatric = forms.BooleanField(label=_("Needs paediatric care"), required=False)
    needs_mobility = forms.BooleanField(label=_("Has mobility needs"), required=False)
    complex_needs_note = forms.CharField(
        label=_("Complex needs"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    NEEDS = ("needs_language", "needs_paediatric", "needs_mobility", "complex_needs_note")

    def service_arguments(self) -> dict:
        """The cleaned data as `verification_record` takes it. A box left unticked means
        "no" for a patient who still needs care, and "not asked" for any other result."""
        data = self.cleaned_data
        still_needs_care = data["result"] == VerificationResult.STILL_NEEDS_CARE
        unticked = False if still_needs_care else None
        return {
            "result": data["result"],
            "needs_language": data["needs_language"],
            "needs_paediatric": data["needs_paediatric"] or unticked,
            "needs_mobility": data["needs_mobility"] or unticked,
            "complex_needs_note": data["complex_needs_note"].strip(),
        }


class MatchingRunForm(forms.Form):
    """Start a matching run for one of the person's OHTs."""

    oht = forms.ModelChoiceField(
        label=_("OHT"), queryset=None, to_field_name="code", empty_label=None
    )
    include_partners = forms.BooleanField(
        label=_("Include partner OHTs"),
        required=False,
        help_text=_("Also match with the capacity and patients of OHTs that agreed to partner."),
    )

    def __init__(self, *args, ohts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oht"].queryset = ohts


class ProposalFilterForm(forms.Form):
    """The proposals table's filters; the location choices are the run's locations."""

    location = forms.TypedChoiceField(
        label=_("Practice location"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, locations, **kwargs):
        from attachment.choices import ProposalStatus

        super().__init__(*args, **kwargs)
        self.fields["location"].choices = BLANK + [
            (location.pk, str(location)) for location in locations
        ]
        self.fields["status"].choices = BLANK + ProposalStatus.choices


class ReferralStepForm(forms.Form):
    """A lifecycle step that needs nothing but the person's say-so (accepted, attached)."""


class ReferralDeclineForm(forms.Form):
    """The practice said no, and why (recorded to detect cherry-picking)."""

    reason = forms.ChoiceField(label=_("Reason"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from attachment.choices import DeclineReason

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = BLANK + DeclineReason.choices


class ReferralIntakeForm(forms.Form):
    """The intake appointment and the assisted-intake checklist."""

    intake_on = forms.DateField(
        label=_("Intake appointment"), widget=forms.DateInput(attrs={"type": "date"})
    )
    history_updated = forms.BooleanField(label=_("History updated"), required=False)
    screening_done = forms.BooleanField(label=_("Baseline screening done"), required=False)


class ReferralCloseForm(forms.Form):
    """The referral ends without an attachment, and why."""

    reason = forms.ChoiceField(label=_("Reason"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from attachment.choices import ClosedReason

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = BLANK + ClosedReason.choices


class ReferralFilterForm(forms.Form):
    """The referral list's filters."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    location = forms.TypedChoiceField(
        label=_("Practice location"), required=False, coerce=int, empty_value=None
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, locations, **kwargs):
        from attachment.choices import ReferralStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = BLANK + ReferralStatus.choices
        self.fields["location"].choices = BLANK + [
            (location.pk, str(location)) for location in locations
        ]
