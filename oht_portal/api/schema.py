"""OpenAPI extensions of the API, registered when the app is ready (oht_portal.apps):
the scoped knox token authentication is documented as knox's bearer token scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class ScopedTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <token>`; read-only tokens get 403 `read_only_token` on writes."""

    target_class = "oht_portal.api.authentication.ScopedTokenAuthentication"
    name = "knoxApiToken"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix=self.target.authenticate_header(""),
        )
