"""The directory of interim supports: the search list, one support's page, and the one
page that creates or changes a support with its organization, hours and locations.

Reads go through `interim_supports.selectors` (another OHT's support is a 404, except
the province-wide ones everyone reads); a role that only reads the support's OHT gets a
403 on a write."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from interim_supports import display
from interim_supports.filters import SupportFilter
from interim_supports.forms import HoursFormSet, LocationFormSet, SupportForm
from interim_supports.hours import service_open_at
from interim_supports.models import SupportService
from interim_supports.search import Ranked
from interim_supports.selectors import support_get, support_list
from interim_supports.services import organization_save, support_save
from oht_portal.choices import DIRECTORY_EDIT_ROLES
from oht_portal.models import OHT
from oht_portal.scoping import ohts_for_user
from oht_portal.services import ApplicationError

PAGE_SIZE = 50
HOURS_PREFIX, LOCATIONS_PREFIX = "hours", "locations"


def editable_ohts(user) -> QuerySet[OHT]:
    """The OHTs whose supports `user` may change."""
    return ohts_for_user(user, roles=DIRECTORY_EDIT_ROLES)


def may_edit(user, oht_id: int) -> bool:
    return editable_ohts(user).filter(pk=oht_id).exists()


def editable_support(request, pk: int) -> SupportService:
    """404 for a support the user cannot see; 403 for one they only read."""
    service = support_get(user=request.user, pk=pk)
    if not may_edit(request.user, service.oht_id):
        raise PermissionDenied
    return service


def review_due(user) -> list[SupportService]:
    """The supports of `user`'s editable OHTs past their review date, the longest
    overdue first."""
    today = timezone.localdate()
    services = support_list(user=user, for_edit=True).prefetch_related(None)
    stale = [service for service in services if service.is_stale(today)]
    return sorted(stale, key=lambda s: (s.review_due_on, s.name_en.casefold()))


@dataclass
class Row:
    """One support in a list, worded for the page."""

    item: Ranked
    name: str
    stale: bool
    access: list[str]
    catchment: str

    @property
    def service(self) -> SupportService:
        return self.item.service


def rows_for(items: list[Ranked]) -> list[Row]:
    today, language = timezone.localdate(), get_language()
    return [
        Row(
            item=item,
            name=item.service.name_in(language),
            stale=item.service.is_stale(today),
            access=display.access_labels(item.service),
            catchment=display.catchment_label(item.service),
        )
        for item in items
    ]


def search_terms(filterset: SupportFilter) -> tuple[str, str]:
    """The FSA and language to rank by, when the filters are valid and name them."""
    if not filterset.is_valid():
        return "", ""
    data = filterset.form.cleaned_data
    return (data.get("fsa") or "").strip().upper(), (data.get("language") or "").strip().lower()


@never_cache
@login_required
@require_GET
def support_index(request):
    filterset = SupportFilter(request.GET, queryset=support_list(user=request.user))
    fsa, language = search_terms(filterset)
    items = display.ranked_supports(
        filterset.qs, fsa=fsa, language=language, page_language=get_language()
    )
    page = Paginator(rows_for(items), PAGE_SIZE).get_page(request.GET.get("page"))
    may_add = editable_ohts(request.user).exists()
    context = {
        "filter": filterset,
        "page": page,
        "ranked": bool(fsa or language),
        "may_add": may_add,
        "review_count": len(review_due(request.user)) if may_add else 0,
        "query": request.GET.urlencode(),
    }
    return render(request, "interim_supports/support_list.html", context)


@never_cache
@login_required
@require_GET
def support_detail(request, pk: int):
    service = support_get(user=request.user, pk=pk)
    context = {
        "service": service,
        "name": service.name_in(get_language()),
        "description": service.description_in(get_language()),
        "eligibility": service.eligibility_fr if get_language() == "fr" else service.eligibility_en,
        "capacity_note": service.capacity_note_fr
        if get_language() == "fr"
        else service.capacity_note_en,
        "week": display.week(service),
        "access": display.access_labels(service),
        "catchment": display.catchment_label(service),
        "ages": display.ages_label(service),
        "phone": display.phone_label(service.phone or service.organization.phone),
        "open_now": service_open_at(service),
        "stale": service.is_stale(),
        "may_edit": may_edit(request.user, service.oht_id),
    }
    return render(request, "interim_supports/support_detail.html", context)


def _save(request, form: SupportForm, formsets) -> SupportService | None:
    """The organization (when new), the support, its hours and its locations in one
    transaction: the support's audit row covers them all. None when a rule refused it."""
    oht = form.chosen_oht()
    try:
        with transaction.atomic():
            organization = form.organization_for(oht)
            if organization.pk is None:
                organization_save(organization=organization, actor=request.user, request=request)
            service = form.save(commit=False)
            service.oht = oht
            service.organization = organization
            support_save(service=service, actor=request.user, request=request)
            for formset in formsets:
                formset.instance = service
                formset.save()
    except ApplicationError as error:
        form.add_error(None, str(error))
        return None
    return service


def _edit_page(request, service: SupportService | None):
    """Create (`service` None) or change a support; the stored name stays the heading
    while a changed one is being corrected."""
    ohts = editable_ohts(request.user)
    instance = service or SupportService()
    heading = service.name_in(get_language()) if service else _("New interim support")
    data = request.POST if request.method == "POST" else None
    form = SupportForm(data, instance=instance, ohts=ohts)
    formsets = [
        HoursFormSet(data, instance=instance, prefix=HOURS_PREFIX),
        LocationFormSet(data, instance=instance, prefix=LOCATIONS_PREFIX),
    ]
    # Validate every part, so that each shows its own errors.
    valid = data is not None and all([form.is_valid()] + [f.is_valid() for f in formsets])
    if valid:
        saved = _save(request, form, formsets)
        if saved is not None:
            messages.success(
                request,
                _("Interim support “%(name)s” saved.") % {"name": saved.name_in(get_language())},
            )
            return redirect("interim_supports:support_detail", pk=saved.pk)
    context = {
        "form": form,
        "hours_formset": formsets[0],
        "locations_formset": formsets[1],
        "service": service,
        "heading": heading,
    }
    return render(
        request,
        "interim_supports/support_form.html",
        context,
        status=400 if data is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def support_create(request):
    if not editable_ohts(request.user).exists():
        raise PermissionDenied
    return _edit_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def support_edit(request, pk: int):
    return _edit_page(request, editable_support(request, pk))


urlpatterns = [
    path("", support_index, name="support_list"),
    path("new/", support_create, name="support_create"),
    path("<int:pk>/", support_detail, name="support_detail"),
    path("<int:pk>/edit/", support_edit, name="support_edit"),
]
