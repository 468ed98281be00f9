"""Keeping the directory fresh: the worklist of the person's supports past their review
date, and the button that confirms an entry still holds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from interim_supports.services import support_confirm
from interim_supports.views.directory import editable_ohts, editable_support, review_due


@never_cache
@login_required
@require_GET
def review_list(request):
    if not editable_ohts(request.user).exists():
        raise PermissionDenied
    language = get_language()
    rows = [
        {"service": service, "name": service.name_in(language)}
        for service in review_due(request.user)
    ]
    return render(request, "interim_supports/review_list.html", {"rows": rows})


@login_required
@require_POST
def support_confirm_view(request, pk: int):
    service = editable_support(request, pk)
    support_confirm(service=service, actor=request.user, request=request)
    messages.success(
        request,
        _("“%(name)s” confirmed as still correct.") % {"name": service.name_in(get_language())},
    )
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("interim_supports:review_list")


urlpatterns = [
    path("review/", review_list, name="review_list"),
    path("<int:pk>/confirm/", support_confirm_view, name="support_confirm"),
]
