"""The fault tests use the API's server fixture (``tests.api.conftest``): the service over each
backend with tenants ``alpha`` and ``beta`` on a free port."""

from tests.api.conftest import api as api
