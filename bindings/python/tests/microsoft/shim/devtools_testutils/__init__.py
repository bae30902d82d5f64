"""The smallest stand-in for azure-sdk-for-python's ``devtools_testutils`` that Microsoft's ARR tests import:
every test runs live (no test proxy, no recordings), so the recording pieces do nothing.

The fixtures those tests take from it (``environment_variables``, ``recorded_test``, ``test_proxy``) are in
``arr_live_services``, the pytest plugin that starts arr-emulator and Azurite for them."""

from __future__ import annotations

from .sanitizers import is_live

__all__ = ["AzureRecordedTestCase", "is_live"]


class AzureRecordedTestCase:
    """Base class of Microsoft's test classes; here only ``is_live`` is read (ids get a random suffix)."""

    @property
    def is_live(self) -> bool:
        return is_live()
