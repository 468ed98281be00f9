"""Field-level minimum necessary: the fields of a record each role sees.

A serializer with `RoleFieldsMixin` names, in `Meta.role_fields`, the fields each role
needs (`ALL_FIELDS` for every field of `Meta.fields`). Each object is shown with the
union of the sets of the roles the caller holds in the object's OHT — a person may be
OHT staff in one OHT and a care connector in another — and a site admin counts as
`SITE_ADMIN` in every OHT. A field none of the caller's roles needs is left out, not
blanked. A role with no set sees no field at all; scoping already keeps such a caller
from the record (403 or 404), so that is a second lock, not a path anyone takes.

When every role of `role_fields` sees the same fields, nothing is looked up per object.
In the schema, fields some role does not see are not `required`."""

from functools import reduce

from drf_spectacular.extensions import OpenApiSerializerExtension

from oht_portal.models import Membership

SITE_ADMIN = "site_admin"
ALL_FIELDS = "__all__"


def roles_by_oht(request) -> dict[int, frozenset[str]] | None:
    """{oht_id: roles the caller holds there}, read once per request; None for a site
    admin (every OHT, as SITE_ADMIN)."""
    cached = getattr(request, "_portal_roles_by_oht", False)
    if cached is not False:
        return cached
    user = request.user
    if user.is_superuser:
        found = None
    else:
        held: dict[int, set[str]] = {}
        for oht_id, role in Membership.objects.filter(user=user).values_list("oht_id", "role"):
            held.setdefault(oht_id, set()).add(role)
        found = {oht_id: frozenset(roles) for oht_id, roles in held.items()}
    request._portal_roles_by_oht = found
    return found


class RoleFieldsMixin:
    """Serializer mixin: `Meta.role_fields = {role: [field, …] | ALL_FIELDS}` and
    `Meta.oht_source`, the dotted attribute that gives an object's OHT id."""

    @classmethod
    def role_field_sets(cls) -> dict[str, frozenset[str]]:
        every = frozenset(cls.Meta.fields)
        return {
            role: every if names == ALL_FIELDS else frozenset(names)
            for role, names in cls.Meta.role_fields.items()
        }

    @classmethod
    def restricted_fields(cls) -> frozenset[str]:
        """Fields that at least one role of `role_fields` does not see."""
        sets = list(cls.role_field_sets().values())
        return frozenset(cls.Meta.fields) - reduce(frozenset.intersection, sets)

    def _oht_id(self, instance) -> int:
        value = instance
        for part in self.Meta.oht_source.split("."):
            value = getattr(value, part)
        return value

    def visible_fields(self, instance) -> frozenset[str] | None:
        """The fields the caller sees of `instance`; None when that is every field."""
        if not self.restricted_fields():
            return None
        sets = self.role_field_sets()
        request = self.context.get("request")
        if request is None:  # no caller to ask: only what every role sees
            return frozenset(self.Meta.fields) - self.restricted_fields()
        held = roles_by_oht(request)
        roles = {SITE_ADMIN} if held is None else held.get(self._oht_id(instance), frozenset())
        return frozenset().union(*(sets.get(role, frozenset()) for role in roles))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        visible = self.visible_fields(instance)
        if visible is None:
            return data
        for name in [name for name in data if name not in visible]:
            del data[name]
        return data


class RoleFieldsSchema(OpenApiSerializerExtension):
    """The schema of a role-filtered serializer: what some role does not see is optional."""

    target_class = RoleFieldsMixin
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        restricted = self.target.restricted_fields()
        required = [name for name in schema.get("required", []) if name not in restricted]
        if required:
            schema["required"] = required
        else:
            schema.pop("required", None)
        return schema
