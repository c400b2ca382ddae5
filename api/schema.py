"""How the OpenAPI schema describes what drf-spectacular cannot find out alone."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    """accounts.authentication.DeviceTokenAuthentication: `Authorization: Token <token>`."""

    target_class = "accounts.authentication.DeviceTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization",
                                                   token_prefix=self.target.authenticate_header(None))
