from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from knox.settings import knox_settings

from oht_portal.choices import ApiTokenScope
from oht_portal.services import max_token_days


class AuditQueryForm(forms.Form):
    """Privacy leads ask "who looked at patient X" or "what did user U look at"."""

    hcc_id = forms.CharField(label=_("Patient HCC id"), max_length=13, required=False)
    email = forms.EmailField(label=_("User e-mail"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_hcc_id(self):
        return self.cleaned_data["hcc_id"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("hcc_id") and not cleaned.get("email"):
            raise forms.ValidationError(_("Give a patient's HCC id, a user's e-mail, or both."))
        return cleaned


class ApiTokenForm(forms.Form):
    """A new token: what it is for, what it may do, and how long it lasts."""

    label = forms.CharField(
        label=_("Label"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. the program that will use it."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiTokenScope.choices,
        initial=ApiTokenScope.READ_ONLY,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("A read-only token can list and read but never change anything."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The maximum is a setting; it is read when the form is made, not at import.
        limit = max_token_days()
        days = self.fields["days"]
        days.max_value = limit
        days.validators.append(MaxValueValidator(limit))
        days.widget.attrs["max"] = limit
        days.initial = min(knox_settings.TOKEN_TTL.days or limit, limit)
        days.help_text = _("At most %(days)d days.") % {"days": limit}

    def clean_scope(self) -> str:
        """Nothing chosen means the safer scope."""
        return self.cleaned_data["scope"] or ApiTokenScope.READ_ONLY
