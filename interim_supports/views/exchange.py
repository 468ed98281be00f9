"""The HSDS exchange page: download an OHT's supports as HSDS JSON or a zip of CSV
files, and upload such a file to import it (see interim_supports.hsds).

Only DIRECTORY_EDIT_ROLES use it, for their own OHTs: anyone else gets a 403, and an
OHT that is not theirs is a 404. An import with any problem changes nothing and lists
every problem with its file, line and field."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from interim_supports.hsds import CSV_ZIP, JSON, MAX_UPLOAD_BYTES, hsds_export, hsds_import
from oht_portal.choices import DIRECTORY_EDIT_ROLES
from oht_portal.models import OHT
from oht_portal.scoping import ohts_for_user

FORMAT_CHOICES = [(JSON, gettext_lazy("HSDS JSON")), (CSV_ZIP, gettext_lazy("HSDS CSV (zip)"))]


class ExportForm(forms.Form):
    oht = forms.ModelChoiceField(
        queryset=OHT.objects.none(), to_field_name="code", label=gettext_lazy("OHT")
    )
    format = forms.ChoiceField(
        choices=FORMAT_CHOICES, initial=JSON, widget=forms.RadioSelect, label=gettext_lazy("Format")
    )

    def __init__(self, *args, ohts: QuerySet[OHT], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oht"].queryset = ohts


class ImportForm(forms.Form):
    oht = forms.ModelChoiceField(
        queryset=OHT.objects.none(), to_field_name="code", label=gettext_lazy("OHT")
    )
    file = forms.FileField(
        label=gettext_lazy("HSDS file"),
        help_text=gettext_lazy("A .json file or a .zip of CSV files, as this page exports them."),
    )

    def __init__(self, *args, ohts: QuerySet[OHT], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oht"].queryset = ohts

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is over the limit of %(limit)s bytes.")
                % {"limit": f"{MAX_UPLOAD_BYTES:,}"}
            )
        return upload


def _editable_ohts(user) -> QuerySet[OHT]:
    """The OHTs whose supports `user` may exchange; none is a 403."""
    ohts = ohts_for_user(user, roles=DIRECTORY_EDIT_ROLES).order_by("code")
    if not ohts.exists():
        raise PermissionDenied
    return ohts


def _oht_or_404(ohts: QuerySet[OHT], code: str) -> OHT:
    """One of the user's OHTs; any other code is a 404, as elsewhere."""
    oht = ohts.filter(code=code.strip()).first()
    if oht is None:
        raise Http404
    return oht


def _page(request, ohts, *, import_form=None, result=None, oht=None, status=200):
    context = {
        "export_form": ExportForm(ohts=ohts, initial={"oht": ohts.first()}, auto_id="export_%s"),
        "import_form": import_form
        or ImportForm(ohts=ohts, initial={"oht": ohts.first()}, auto_id="import_%s"),
        "result": result,
        "imported_oht": oht,
    }
    return render(request, "interim_supports/exchange/page.html", context, status=status)


@never_cache
@login_required
@require_GET
def hsds_exchange(request):
    return _page(request, _editable_ohts(request.user))


@never_cache
@login_required
@require_GET
def hsds_export_view(request):
    ohts = _editable_ohts(request.user)
    oht = _oht_or_404(ohts, request.GET.get("oht", ""))
    file_format = request.GET.get("format", JSON)
    if file_format not in dict(FORMAT_CHOICES):
        return HttpResponseBadRequest(_("Choose HSDS JSON or HSDS CSV (zip)."))
    exported = hsds_export(oht=oht, file_format=file_format, actor=request.user, request=request)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.file_name}"'
    return response


@login_required
@require_POST
def hsds_import_view(request):
    ohts = _editable_ohts(request.user)
    if request.POST.get("oht", "").strip():
        _oht_or_404(ohts, request.POST["oht"])
    form = ImportForm(request.POST, request.FILES, ohts=ohts, auto_id="import_%s")
    if not form.is_valid():
        return _page(request, ohts, import_form=form, status=400)
    oht = form.cleaned_data["oht"]
    result = hsds_import(
        oht=oht, data=form.cleaned_data["file"].read(), actor=request.user, request=request
    )
    return _page(
        request,
        ohts,
        import_form=ImportForm(ohts=ohts, initial={"oht": oht}, auto_id="import_%s"),
        result=result,
        oht=oht,
        status=200 if result.ok else 400,
    )


exchange_urlpatterns = [
    path("exchange/", hsds_exchange, name="hsds_exchange"),
    path("exchange/export/", hsds_export_view, name="hsds_export"),
    path("exchange/import/", hsds_import_view, name="hsds_import"),
]
