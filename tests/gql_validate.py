#!/usr/bin/env python3
r'''Validates GraphQL request bodies against Fly's schema.

usage: gql_validate.py SCHEMA BODIES.jsonl

BODIES.jsonl holds one JSON object a line: {"name": ..., "body": {"query": ..., "variables": ...}}.
Each query is parsed and validated (graphql-core's validate: fields, arguments, types,
variables); every variable the query declares as non-null must be given. Prints one line per
document and exits 3 when any is invalid (1 is left to Python's own failures), 2 when graphql-core is missing or the schema does
not load.

Debian's python3-graphql-core is 2.3.2, which reads neither descriptions in every place Fly
puts them nor `implements A & B`: descriptions are stripped ("""...""" blocks and one-line
"..." strings) and, for graphql-core 2, `implements A & B` is written `implements A B`.
'''
import json
import re
import sys

try:
    import graphql
except ImportError:
    print("gql_validate: graphql-core is not installed (Debian: python3-graphql-core)")
    sys.exit(2)


def load_schema(path):
    src = open(path, encoding="utf-8").read()
    src = re.sub(r'"""(?:.|\n)*?"""', "", src)
    src = re.sub(r'^\s*"(?:[^"\\\n]|\\.)*"\s*$', "", src, flags=re.M)
    version = getattr(graphql, "__version__", "2")
    if version.startswith("2"):
        src = re.sub(r"(implements\s+)([A-Za-z_][\w\s&]*?)(?=\s*[{@])",
                     lambda m: m.group(1) + re.sub(r"\s*&\s*", " ", m.group(2)), src)
    return graphql.build_ast_schema(graphql.parse(src))


def main():
    if len(sys.argv) != 3:
        print(__doc__.splitlines()[2])
        return 2
    try:
        schema = load_schema(sys.argv[1])
    except Exception as e:  # the schema itself must load
        print("gql_validate: schema %s does not load: %s" % (sys.argv[1], e))
        return 2
    bad = 0
    count = 0
    for line in open(sys.argv[2], encoding="utf-8"):
        if not line.strip():
            continue
        doc = json.loads(line)
        name, body = doc["name"], doc["body"]
        count += 1
        errors = []
        try:
            ast = graphql.parse(body["query"])
            errors = [str(e.message) for e in graphql.validate(schema, ast)]
            given = body.get("variables") or {}
            for op in ast.definitions:
                for v in op.variable_definitions or []:
                    vname = v.variable.name.value
                    nonnull = type(v.type).__name__ == "NonNullTypeNode"
                    if nonnull and vname not in given:
                        errors.append("variable $%s is required and not given" % vname)
            for k in given:
                if not any(v.variable.name.value == k for op in ast.definitions
                           for v in (op.variable_definitions or [])):
                    errors.append("variable %s is given but not declared" % k)
        except Exception as e:
            errors.append("does not parse: %s" % e)
        if errors:
            bad += 1
            print("INVALID %s: %s" % (name, "; ".join(errors)))
        else:
            print("valid   %s" % name)
    print("gql_validate: %d documents, %d invalid (graphql-core %s)"
          % (count, bad, getattr(graphql, "__version__", "?")))
    return 3 if bad or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
