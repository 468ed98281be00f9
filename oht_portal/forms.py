from django import forms
from django.utils.translation import gettext_lazy as _

from oht_portal.services import MAX_TOKEN_DAYS


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
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=MAX_TOKEN_DAYS, initial=30
    )
