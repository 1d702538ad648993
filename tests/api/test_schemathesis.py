"""Schemathesis generates requests from /openapi.json for every operation, bodies and path
parameters that fit the schema and ones that do not; none may get a 5xx. Examples are bounded
and derandomised, so the run is quick and repeatable.

(Schemathesis' own pytest loader, `schemathesis.pytest.from_fixture`, reads a private attribute
that pytest 9 no longer has, so its strategies run under `hypothesis.given` here instead.)"""

from __future__ import annotations

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from bot.channels.server import create_app
from bot.core.config import CoachConfig, RateLimitConfig
from bot.dialogue.engine import Engine
from bot.stores import MemoryTrackerStore
from tests.api.conftest import TOKEN

EXAMPLES = 60  # per operation and mode


@pytest.fixture(scope="module")
def coach_api_schema(config: CoachConfig, engine: Engine):  # noqa: ANN201 (schemathesis' schema)
    cfg = config.model_copy(deep=True)
    cfg.server.auth_token = TOKEN
    cfg.server.rate_limit = RateLimitConfig(per_sender=None, per_address=None)
    bot = copy.copy(engine)
    bot.store = MemoryTrackerStore()
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(bot, cfg))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_gets_a_server_error(coach_api_schema, mode: GenerationMode) -> None:  # noqa: ANN001
    operations = [result.ok() for result in coach_api_schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert {"POST /webhooks/rest/webhook", "POST /model/parse", "DELETE /conversations/{sender}",
            "GET /conversations/{sender}/tracker", "POST /plan.ics", "GET /metrics"} <= labels
    for operation in operations:
        @given(case=operation.as_strategy(mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:  # noqa: ANN001 (schemathesis' Case)
            for headers in ({"Authorization": f"Bearer {TOKEN}"}, {}):
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            run()
        except Unsatisfiable:
            # nothing about this operation can be made invalid (no body; any string is a sender)
            assert mode is GenerationMode.NEGATIVE and not operation.body, operation.label
