"""Clinician self-service through the signed, expiring link, and the staff button that
e-mails it.

The public page (`/c/<clinician_id>/<token>/`) needs no account: the link is the
credential. It shows and changes only the link's clinician's locations in the link's
OHT; a form naming any other location is refused (404) and the attempt recorded. Every
view, confirmation and update is a ClinicianLinkUse row; every write goes through
`clinicians.services`, which audits it. The page speaks the clinician's correspondence
language until they choose another with the language switch (Django's set_language)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinicians import mail
from clinicians.choices import DeclarationChannel, LinkPurpose
from clinicians.forms import (
    CapacityForm,
    ClinicianAttributesForm,
    LocalAttributesForm,
    VerifyForm,
    clean_code_list,
)
from clinicians.links import (
    REFUSAL_EXPIRED,
    REFUSAL_REVOKED,
    LinkRefused,
    link_path,
    link_resolve,
    link_use_record,
)
from clinicians.models import ClinicianLink, ClinicianLinkUse, PracticeLocation
from clinicians.selectors import location_get
from clinicians.services import (
    capacity_declare,
    capacity_verify,
    clinician_attributes_update,
    location_attributes_update,
)
from oht_portal.services import ApplicationError

# A form that names a location outside the link: recorded as a refused use.
REFUSAL_OTHER_LOCATION = "other_location"
ABOUT_PREFIX = "about"


@login_required
@require_POST
def link_send(request, pk: int):
    """E-mail the location's clinician a capacity link for the location's OHT."""
    location = location_get(user=request.user, pk=pk, for_edit=True)
    try:
        link = mail.capacity_link_send(
            clinician=location.clinician, oht=location.oht, actor=request.user, request=request
        )
    except ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("A self-service link was e-mailed to the clinician; it works until %(day)s.")
            % {"day": formats.date_format(timezone.localdate(link.expires_at))},
        )
    return redirect("clinicians:location_detail", pk=location.pk)


staff_urlpatterns = [path("locations/<int:pk>/send-link/", link_send, name="link_send")]


class SelfServiceCapacityForm(CapacityForm):
    """New figures, with the name of whoever gives them (the link has no account)."""

    declared_by_name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=200,
        help_text=gettext_lazy("The clinician or clinic manager giving these figures."),
    )


class SelfServiceLocationForm(LocalAttributesForm):
    """The location attributes a clinician knows best; staff keep the others."""

    class Meta:
        model = PracticeLocation
        fields = ("languages_local", "serves_remote", "virtual_care", "wheelchair_accessible")
        widgets = {"languages_local": forms.TextInput}
        help_texts = {
            "languages_local": gettext_lazy(
                "ISO 639-1 codes such as fr;ar, besides those the provincial report lists."
            )
        }

    def clean_languages_local(self) -> str:
        return clean_code_list(self.cleaned_data["languages_local"], languages=True)


class SelfServiceClinicianForm(ClinicianAttributesForm):
    class Meta(ClinicianAttributesForm.Meta):
        fields = ("paediatrics", "french_language_services", "correspondence_language")


def _refused(request, reason: str):
    """Why the link does not work, and nothing about whose it is."""
    return render(
        request,
        "clinicians/self_service/refused.html",
        {
            "expired": reason == REFUSAL_EXPIRED,
            "revoked": reason == REFUSAL_REVOKED,
        },
        status=403,
    )


def _page_language(request, link: ClinicianLink) -> str:
    """The language chosen with the switch, else the clinician's correspondence one."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return link.clinician.correspondence_language


def _locations(link: ClinicianLink):
    return (
        PracticeLocation.objects.filter(clinician=link.clinician, oht=link.oht)
        .select_related("current_declaration", "oht", "clinician")
        .order_by("practice_name", "postal_code")
    )


def _own_location(request, link: ClinicianLink) -> PracticeLocation:
    """The location the form names, if it is one of the link's; else 404, recorded."""
    raw = request.POST.get("location", "")
    location = _locations(link).filter(pk=int(raw)).first() if raw.isdigit() else None
    if location is None:
        link_use_record(
            link=link,
            action=ClinicianLinkUse.Action.REFUSED,
            request=request,
            reason=REFUSAL_OTHER_LOCATION,
            detail={"location": raw[:20]},
        )
        raise Http404
    return location


def _location_forms(location: PracticeLocation, data=None) -> dict:
    prefix = f"loc{location.pk}"
    declaration = location.current_declaration
    return {
        "capacity_form": SelfServiceCapacityForm(data, prefix=prefix, declaration=declaration),
        "location_form": SelfServiceLocationForm(data, prefix=prefix, instance=location),
    }


def _render_page(request, link: ClinicianLink, *, status: int = 200, bound: dict | None = None):
    """The page; `bound` holds the submitted forms, by location id or ABOUT_PREFIX, to
    show again with their errors."""
    bound = bound or {}
    entries = []
    for location in _locations(link):
        forms_ = bound.get(location.pk) or _location_forms(location)
        declaration = location.current_declaration
        entries.append(
            {
                "location": location,
                "declaration": declaration,
                "stale": declaration is not None and declaration.is_stale(),
                "verify_form": VerifyForm(initial={"declaration": declaration.pk}, auto_id=False)
                if declaration
                else None,
                "open": location.pk in bound,
                **forms_,
            }
        )
    about_form = bound.get(ABOUT_PREFIX) or SelfServiceClinicianForm(
        prefix=ABOUT_PREFIX, instance=link.clinician
    )
    response = render(
        request,
        "clinicians/self_service/link.html",
        {
            "link": link,
            "clinician": link.clinician,
            "oht": link.oht,
            "expires_on": timezone.localdate(link.expires_at),
            "entries": entries,
            "about_form": about_form,
            "about_open": ABOUT_PREFIX in bound,
        },
        status=status,
    )
    response.headers["Content-Language"] = translation.get_language()
    return response


def _done(request, link: ClinicianLink, message: str):
    messages.success(request, message)
    return redirect(link_path(link))


def _confirm(request, link: ClinicianLink, location: PracticeLocation):
    form = VerifyForm(request.POST)
    declaration = location.current_declaration
    if not form.is_valid() or declaration is None:
        return _render_page(request, link, status=400)
    if form.cleaned_data["declaration"] != declaration.pk:
        messages.error(request, _("These figures changed meanwhile: check them and confirm again."))
        return _render_page(request, link, status=409)
    with transaction.atomic():
        capacity_verify(
            declaration=declaration, channel=DeclarationChannel.SELF_SERVICE, request=request
        )
        link_use_record(
            link=link,
            action=ClinicianLinkUse.Action.CONFIRMED,
            request=request,
            detail={"location": location.pk},
        )
    return _done(
        request,
        link,
        _("Thank you: the capacity of %(place)s is confirmed until %(day)s.")
        % {
            "place": location.practice_name,
            "day": formats.date_format(declaration.expires_on),
        },
    )


def _update(request, link: ClinicianLink, location: PracticeLocation):
    forms_ = _location_forms(location, request.POST)
    capacity_form, location_form = forms_["capacity_form"], forms_["location_form"]
    if capacity_form.is_valid() and location_form.is_valid():
        try:
            with transaction.atomic():
                declaration = capacity_declare(
                    location=location,
                    figures=capacity_form.figures(),
                    channel=DeclarationChannel.SELF_SERVICE,
                    declared_by_name=capacity_form.cleaned_data["declared_by_name"].strip(),
                    request=request,
                )
                changed = location_attributes_update(
                    location=location, changes=location_form.changes(), request=request
                )
                link_use_record(
                    link=link,
                    action=ClinicianLinkUse.Action.UPDATED,
                    request=request,
                    detail={
                        "location": location.pk,
                        "declaration": declaration.pk,
                        "fields": changed,
                    },
                )
        except ApplicationError as error:
            capacity_form.add_error(None, str(error))
        else:
            return _done(
                request,
                link,
                _("Thank you: the new figures for %(place)s are recorded until %(day)s.")
                % {
                    "place": location.practice_name,
                    "day": formats.date_format(declaration.expires_on),
                },
            )
    return _render_page(request, link, status=400, bound={location.pk: forms_})


def _about(request, link: ClinicianLink):
    form = SelfServiceClinicianForm(request.POST, prefix=ABOUT_PREFIX, instance=link.clinician)
    if not form.is_valid():
        return _render_page(request, link, status=400, bound={ABOUT_PREFIX: form})
    with transaction.atomic():
        changed = clinician_attributes_update(
            clinician=link.clinician,
            changes=form.changes(),
            request=request,
            oht_code=link.oht.code,
        )
        link_use_record(
            link=link,
            action=ClinicianLinkUse.Action.UPDATED,
            request=request,
            detail={"clinician": link.clinician_id, "fields": changed},
        )
    return _done(request, link, _("Thank you: your details are saved."))


@never_cache
@require_http_methods(["GET", "POST"])
def link_page(request, clinician_id: int, token: str):
    try:
        link = link_resolve(
            clinician_id=clinician_id,
            token=token,
            purpose=LinkPurpose.CAPACITY,
            request=request,
        )
    except LinkRefused as refused:
        return _refused(request, refused.reason)
    with translation.override(_page_language(request, link)):
        if request.method == "GET":
            link_use_record(link=link, action=ClinicianLinkUse.Action.OPENED, request=request)
            return _render_page(request, link)
        action = request.POST.get("action")
        if action == ABOUT_PREFIX:
            return _about(request, link)
        location = _own_location(request, link)
        if action == "confirm":
            return _confirm(request, link, location)
        if action == "update":
            return _update(request, link, location)
        return _render_page(request, link, status=400)
