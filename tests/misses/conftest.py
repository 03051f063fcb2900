"""After every misses scenario the stored figures are checked against the raw facts (as in tests/maturity)."""

from tests.maturity.conftest import _figures_in_step  # noqa: F401 - the autouse fixture
