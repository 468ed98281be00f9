"""The page an OHT may publish for anyone, without signing in, listing its active
supports (and the province-wide ones it can point people to) in English or French; and
the staff page that switches it on or off and words its introduction.

The public page reads supports only: no patient, no offer, no staff navigation. An OHT
that has not published it, or does not exist, is a 404 alike."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from interim_supports.choices import SupportStatus
from interim_supports.display import card, list_language, ranked_supports
from interim_supports.forms import PublicPageForm
from interim_supports.models import PublicSupportsPage, SupportService
from interim_supports.search import with_schedule
from interim_supports.services import public_page_set
from interim_supports.views.directory import editable_ohts, may_edit
from oht_portal.scoping import ohts_for_user

_FSA = re.compile(r"[A-Z][0-9][A-Z]")


def _published_supports(oht):
    return with_schedule(
        SupportService.objects.filter(
            Q(oht=oht) | Q(province_wide=True), status=SupportStatus.ACTIVE
        )
    )


@require_GET
def public_supports(request, code: str):
    page = get_object_or_404(
        PublicSupportsPage.objects.select_related("oht"), oht__code=code.upper(), enabled=True
    )
    language = list_language(request.GET.get("lang"), list_language(request.LANGUAGE_CODE))
    fsa = request.GET.get("fsa", "").strip().upper()
    fsa = fsa if _FSA.fullmatch(fsa) else ""
    now = timezone.now()
    items = ranked_supports(
        _published_supports(page.oht), fsa=fsa, moment=now, page_language=language
    )
    oht = page.oht
    with translation.override(language):
        entries = [
            {"card": card(item.service, language), "open_now": item.open_now} for item in items
        ]
        response = render(
            request,
            "interim_supports/public_supports.html",
            {
                "page": page,
                "oht_name": (oht.name_fr or oht.name_en) if language == "fr" else oht.name_en,
                "intro": page.intro_fr if language == "fr" else page.intro_en,
                "language": language,
                "entries": entries,
                "fsa": fsa,
            },
        )
    response.headers["Content-Language"] = language
    return response


@login_required
@require_GET
def public_page_index(request):
    ohts = editable_ohts(request.user)
    if not ohts.exists():
        raise PermissionDenied
    pages = {page.oht_id: page for page in PublicSupportsPage.objects.filter(oht__in=ohts)}
    rows = [{"oht": oht, "page": pages.get(oht.pk)} for oht in ohts.order_by("code")]
    return render(request, "interim_supports/public_page_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def public_page_edit(request, code: str):
    oht = get_object_or_404(ohts_for_user(request.user), code=code)
    if not may_edit(request.user, oht.pk):
        raise PermissionDenied
    page = PublicSupportsPage.objects.filter(oht=oht).first()
    initial = {
        "enabled": page.enabled if page else False,
        "intro_en": page.intro_en if page else "",
        "intro_fr": page.intro_fr if page else "",
    }
    form = PublicPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        page = public_page_set(
            oht=oht,
            enabled=data["enabled"],
            intro_en=data["intro_en"].strip(),
            intro_fr=data["intro_fr"].strip(),
            actor=request.user,
            request=request,
        )
        messages.success(
            request,
            _("The public page is published.") if page.enabled else _("The public page is off."),
        )
        return redirect("interim_supports:public_page_list")
    return render(
        request,
        "interim_supports/public_page_form.html",
        {"oht": oht, "page": page, "form": form},
        status=400 if form.is_bound else 200,
    )


urlpatterns = [
    path("public-page/", public_page_index, name="public_page_list"),
    path("public-page/<str:code>/", public_page_edit, name="public_page_edit"),
]
public_urlpatterns = [path("supports/<str:code>/", public_supports, name="public_supports")]
