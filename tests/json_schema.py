"""A small JSON Schema validator: the subset the e2e report schemas use (kctl.services.e2e)."""

from __future__ import annotations

_TYPES = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
    "integer": int, "number": (int, float),
}


def _is(value, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def validate(doc, schema: dict, path: str = "$") -> list[str]:
    """Errors of doc against the JSON Schema subset the e2e schemas use ([] when valid)."""
    errors: list[str] = []
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_is(doc, n) for n in names):
            return [f"{path}: {type(doc).__name__} is not {types}"]
    if "enum" in schema and doc not in schema["enum"]:
        errors.append(f"{path}: {doc!r} not in {schema['enum']}")
    if isinstance(doc, dict):
        for key in schema.get("required", ()):
            if key not in doc:
                errors.append(f"{path}: missing {key}")
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: unexpected {key}" for key in doc if key not in properties]
        for key, sub in properties.items():
            if key in doc:
                errors += validate(doc[key], sub, f"{path}.{key}")
    if isinstance(doc, list):
        if len(doc) < schema.get("minItems", 0) or len(doc) > schema.get("maxItems", len(doc)):
            errors.append(f"{path}: {len(doc)} items")
        for i, item in enumerate(doc):
            errors += validate(item, schema.get("items", {}), f"{path}[{i}]")
    return errors
