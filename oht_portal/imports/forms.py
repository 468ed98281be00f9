from django import forms
from django.utils.translation import gettext_lazy as _

from oht_portal.imports.base import importers


class ExtractUploadForm(forms.Form):
    file = forms.FileField(label=_("Extract file (CSV)"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        help_text=_("Leave blank to recognise the kind from the file's header."),
    )
    extract_date = forms.DateField(
        label=_("Extract date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave blank to take it from the file name (…_YYYYMMDD.csv), else today."),
    )
    force = forms.BooleanField(
        label=_("Import even if it is older than the newest extract, or was already imported"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Recognise from header"))] + [
            (kind, kind) for kind in sorted(importers())
        ]
