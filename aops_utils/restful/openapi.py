"""OpenAPI 3.1 document of a service, built from its route registry and body models."""

from __future__ import annotations

from typing import Any

from aops_utils.codes import LABELS
from aops_utils.restful.routes import Access
from aops_utils.restful.routes import Api

ENVELOPE = {
    "type": "object",
    "required": ["code", "msg"],
    "properties": {
        "code": {"type": "integer", "enum": sorted(int(c) for c in LABELS)},
        "msg": {"type": "string"},
        "detail": {"type": "string", "description": "what went wrong, naming the field"},
        "field": {"type": "string"},
    },
    "additionalProperties": True,
}


def build(api: Api, version: str) -> dict[str, Any]:
    components: dict[str, Any] = {"Envelope": ENVELOPE}
    paths: dict[str, Any] = {}
    for endpoint in api.endpoints:
        operation: dict[str, Any] = {
            "summary": endpoint.summary,
            "operationId": endpoint.handler.__name__,
            "responses": {
                "default": {
                    "description": "the 21.09 envelope; `code` tells the outcome",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}},
                }
            },
        }
        if endpoint.access is Access.OPTIONAL:
            # The empty requirement: the token may be left out.
            operation["security"] = [{"access_token": []}, {}]
        elif endpoint.access is not Access.PUBLIC:
            operation["security"] = [{"access_token": []}]
        if endpoint.body is not None and endpoint.methods == ("GET",):
            operation["parameters"] = _query_parameters(endpoint.body.model_json_schema())
        elif endpoint.body is not None:
            schema = endpoint.body.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(schema.pop("$defs", {}))
            components[endpoint.body.__name__] = schema
            operation["requestBody"] = {
                # An absent body is read as {}: it is required only where a field is.
                "required": bool(schema.get("required")),
                "description": f"at most {endpoint.max_body} bytes (HTTP 413 beyond)",
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{endpoint.body.__name__}"}}
                },
            }
        # Bytes of body the route reads at most (HTTP 413 beyond), with or without a model.
        operation["x-max-body"] = endpoint.max_body
        for index, path in enumerate((endpoint.path, *endpoint.aliases)):
            for method in endpoint.methods:
                entry = dict(operation)
                if index:
                    # An alias keeps a 21.09 spelling alive; it needs its own operation id.
                    entry["operationId"] = f"{operation['operationId']}_alias{index}"
                    entry["description"] = f"Alias of `{endpoint.path}` kept for 21.09 clients."
                paths.setdefault(path, {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": api.title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"access_token": {"type": "apiKey", "in": "header", "name": "access_token"}},
        },
    }


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A GET route's model as query parameters (a list field repeats its parameter)."""
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]
