#!/usr/bin/env python3
"""Validate a JSON file against a JSON Schema (draft-04/07/2020-12, picked from "$schema").

usage: validate-schema.py SCHEMA FILE
exit 0 valid, 1 invalid (every error printed), 2 usage / unreadable, 77 jsonschema missing.
"""
import json
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        import jsonschema
    except ImportError:
        print("validate-schema: python3-jsonschema is not installed "
              "(apt-get install python3-jsonschema)", file=sys.stderr)
        return 77
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        with open(sys.argv[2], "rb") as f:
            raw = f.read()
        doc = json.loads(raw.decode("utf-8", errors="strict"))
    except (OSError, ValueError) as e:
        print(f"validate-schema: {e}", file=sys.stderr)
        return 2 if not isinstance(e, ValueError) else 1
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors:
        path = "/".join(str(p) for p in e.absolute_path) or "(root)"
        print(f"{sys.argv[2]}: {path}: {e.message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
