"""Fuzzing the API from its own OpenAPI schema (issue 9): 0 server errors, 0 answers off the schema.

schemathesis generates requests for every operation of `/api/v1/openapi.json` — valid ones and
deliberately invalid ones — and sends them through Django in this process, anonymously and with a
scoped token. Bounded: `FUZZ_EXAMPLES` examples per operation (default 30; `make fuzz` raises it).
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.tests.factories import LAM_THAO

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# Uncompressed answers: the test client does not undo the GZip middleware's work.
PLAIN = {"Accept-Encoding": "identity"}
BOUNDED = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    suppress_health_check=list(HealthCheck),
)


# Loaded at collection: reading the schema touches no database. The WSGI app runs in the test's
# thread, so the requests see the test's database transaction.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


SENT: Counter = Counter()  # requests per (caller, operation): `pytest -s` prints them (README figures)


@pytest.fixture(scope="module", autouse=True)
def _report_requests_sent():
    yield
    if SENT:
        print(f"\nschemathesis: {len({op for _, op in SENT})} operations, {sum(SENT.values())} requests, "
              f"{dict(Counter(caller for caller, _ in SENT.elements()))} by caller")


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's WSGI handler closes the database connection after each request (as the test client does
    not): on PostgreSQL that would close the test's transaction under it. Do what the test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def commune_token(db) -> str:
    """A source system of Xã Lâm Thao with every scope."""
    return create_api_token(
        Actor.system(), "fuzz-lam-thao", [LAM_THAO], ["dossiers:write", "metrics:write", "units:write"]
    ).secret


@schema.parametrize()
@BOUNDED
def test_anonymous_requests_never_get_a_server_error_or_an_undocumented_answer(case, db):
    SENT[("anonymous", case.operation.label)] += 1
    case.call_and_validate(headers=PLAIN, checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_a_scoped_token_never_gets_a_server_error_or_an_undocumented_answer(case, commune_token):
    SENT[("token", case.operation.label)] += 1
    case.call_and_validate(headers={**PLAIN, "Authorization": f"Bearer {commune_token}"}, checks=CHECKS)
