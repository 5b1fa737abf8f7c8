"""Check API responses in tests against the OpenAPI schema the project publishes."""

from functools import lru_cache

from jsonschema import Draft202012Validator


@lru_cache(maxsize=1)
def _schema() -> dict:
    from thuocdo.api import api

    return api.get_openapi_schema()


def assert_matches_openapi(response, method: str, path: str) -> None:
    """Fail unless the response's status and JSON body are those documented for METHOD PATH.

    `path` is the documented template, e.g. "/api/v1/units/{code}".
    """
    schema = _schema()
    operation = schema["paths"][path][method.lower()]
    documented = {str(code): spec for code, spec in operation["responses"].items()}
    status = str(response.status_code)
    assert status in documented, f"{method} {path} answered {status}, documented: {sorted(documented)}"
    content = documented[status].get("content", {}).get("application/json")
    if content is None:
        return
    validator = Draft202012Validator({**content["schema"], "components": schema.get("components", {})})
    errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.path))
    assert not errors, f"{method} {path} body does not match its schema: {errors[0].message}"
