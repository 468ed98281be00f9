"""The resource library: education resources (an address, or a file the portal keeps),
with their language and audience, that messages list at the end of the e-mail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from engagement.forms import ResourceForm
from engagement.models import Resource
from engagement.selectors import manageable_ohts, resource_get, resource_list
from engagement.services import resource_save
from engagement.views.messaging import require_manager


@login_required
@require_GET
def resource_index(request):
    require_manager(request.user)
    page = Paginator(resource_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "engagement/resource_list.html", {"page": page})


def _resource_form(request, resource: Resource):
    form = ResourceForm(
        request.POST or None,
        request.FILES or None,
        instance=resource,
        ohts=manageable_ohts(request.user),
    )
    if request.method == "POST" and form.is_valid():
        resource_save(resource=form.instance, actor=request.user, request=request)
        messages.success(request, _("Resource saved."))
        return redirect("engagement:resource_list")
    return render(request, "engagement/resource_form.html", {"form": form, "resource": resource})


@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request):
    require_manager(request.user)
    return _resource_form(request, Resource())


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request, pk: int):
    require_manager(request.user)
    return _resource_form(request, resource_get(user=request.user, pk=pk))


urlpatterns = [
    path("resources/", resource_index, name="resource_list"),
    path("resources/new/", resource_new, name="resource_create"),
    path("resources/<int:pk>/", resource_edit, name="resource_edit"),
]
