"""The certificate fixtures, shared with the offline verifier's tests."""
from tests.workers.certificates.conftest import scans_in_test_transaction, worker_account  # noqa: F401
