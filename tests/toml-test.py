#!/usr/bin/env python3
"""make check-toml: runs the official TOML conformance suite (toml-test) on our parser.

usage: toml-test.py DECODER SUITE_DIR [VERSION]

For every case of SUITE_DIR/tests/files-toml-VERSION (default 1.0.0): a valid case must
decode (DECODER exits 0) to JSON equal, as a value, to the case's .json (integers and
floats by value, nan equal to nan, datetimes by their fields and offset); an invalid case
must be refused with "error LINE:COLUMN: ..." on stderr, LINE >= 1. Prints each failure,
then exactly "toml-test: V/V valid, I/I invalid"; exits 1 when any case failed.
"""
import json
import math
import os
import re
import subprocess
import sys

DT = re.compile(r'^(?:(\d{4})-(\d{2})-(\d{2}))?[Tt ]?(?:(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?'
                r'([Zz]|[+-]\d{2}:\d{2})?$')


def norm_datetime(s):
    m = DT.match(s)
    if not m:
        return ('unparsed', s)
    y, mo, d, h, mi, sec, frac, off = m.groups()
    frac = (frac or '').rstrip('0')[:9]
    minutes = None
    if off:
        minutes = 0 if off in 'Zz' else (1 if off[0] == '+' else -1) * (int(off[1:3]) * 60 + int(off[4:6]))
    fields = [y, mo, d, h, mi, sec]
    if minutes is not None and h is not None:
        # the same instant: move to UTC
        import datetime
        t = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), min(int(sec), 59))
        t -= datetime.timedelta(minutes=minutes)
        fields = [t.year, t.month, t.day, t.hour, t.minute, int(sec) if int(sec) == 60 else t.second]
        fields = [str(x) for x in fields]
    return (tuple(int(x) if x is not None else None for x in fields), frac, minutes is not None)


def to_float(s):
    s = s.strip()
    if s.lstrip('+-') == 'nan':
        return math.nan
    if s.lstrip('+-') == 'inf':
        return -math.inf if s.startswith('-') else math.inf
    return float(s.replace('_', ''))


def same(want, got, path='$'):
    """None when equal, else a short reason."""
    if isinstance(want, dict) and set(want.keys()) == {'type', 'value'} and isinstance(want.get('value'), str):
        if not isinstance(got, dict) or set(got.keys()) != {'type', 'value'}:
            return f'{path}: want a {want["type"]}, got {json.dumps(got)[:80]}'
        if want['type'] != got['type']:
            return f'{path}: want type {want["type"]}, got {got["type"]}'
        t, a, b = want['type'], want['value'], got['value']
        if t == 'integer':
            ok = int(a) == int(b)
        elif t == 'float':
            fa, fb = to_float(a), to_float(b)
            ok = (math.isnan(fa) and math.isnan(fb)) or fa == fb
        elif t.startswith('date') or t.startswith('time'):
            ok = norm_datetime(a) == norm_datetime(b)
        else:
            ok = a == b
        return None if ok else f'{path}: want {t} {a!r}, got {b!r}'
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f'{path}: want a table'
        if set(want) != set(got):
            return f'{path}: keys differ: want {sorted(want)[:10]}, got {sorted(got)[:10]}'
        for k in want:
            r = same(want[k], got[k], f'{path}.{k}')
            if r:
                return r
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(want) != len(got):
            return f'{path}: want an array of {len(want)}'
        for i, (a, b) in enumerate(zip(want, got)):
            r = same(a, b, f'{path}[{i}]')
            if r:
                return r
        return None
    return None if want == got else f'{path}: differs'


def run(decoder, path):
    try:
        p = subprocess.run([decoder, path], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None, b'', b'timeout'
    return p.returncode, p.stdout, p.stderr


def run_all(decoder, paths):
    """{path: (rc, stdout, stderr)}: one decoder process for all the files (it prints one
    line per file), or one per file when that run does not finish cleanly."""
    try:
        p = subprocess.run([decoder] + paths, capture_output=True, timeout=120)
        lines = p.stdout.split(b'\n')
        if p.returncode in (0, 1) and len(lines) == len(paths) + 1 and lines[-1] == b'':
            errors = {}
            for line in p.stderr.split(b'\n'):
                name, sep, rest = line.partition(b': error ')
                if sep:
                    errors[name.decode()] = line
            res = {}
            for path, out in zip(paths, lines):
                err = errors.get(path, b'')
                res[path] = (1 if err else 0, b'' if err else out, err)
            return res
    except subprocess.TimeoutExpired:
        pass
    return {path: run(decoder, path) for path in paths}


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    decoder, suite = sys.argv[1], sys.argv[2]
    version = sys.argv[3] if len(sys.argv) > 3 else '1.0.0'
    listing = os.path.join(suite, 'tests', 'files-toml-' + version)
    if not os.path.exists(listing):
        print(f'toml-test: no suite at {suite} (set TOML_TEST)', file=sys.stderr)
        return 2
    with open(listing) as f:
        cases = [line.strip() for line in f if line.strip().endswith('.toml')]
    valid = [c for c in cases if c.startswith('valid/')]
    invalid = [c for c in cases if c.startswith('invalid/')]
    vok = iok = 0
    res = run_all(decoder, [os.path.join(suite, 'tests', c) for c in cases])
    for c in valid:
        path = os.path.join(suite, 'tests', c)
        rc, out, err = res[path]
        if rc != 0:
            print(f'FAIL {c}: refused ({rc}): {err.decode(errors="replace").strip()}')
            continue
        with open(path[:-5] + '.json', encoding='utf-8') as f:
            want = json.load(f)
        try:
            got = json.loads(out.decode('utf-8'))
        except ValueError as e:
            print(f'FAIL {c}: output is not JSON: {e}')
            continue
        reason = same(want, got)
        if reason:
            print(f'FAIL {c}: {reason}')
            continue
        vok += 1
    for c in invalid:
        path = os.path.join(suite, 'tests', c)
        rc, out, err = res[path]
        text = err.decode(errors='replace')
        m = re.search(r': error (\d+):(\d+): .+', text)
        if rc != 1 or not m or int(m.group(1)) < 1:
            print(f'FAIL {c}: accepted or refused without a line ({rc}): {text.strip()[:120]}')
            continue
        iok += 1
    print(f'toml-test: {vok}/{len(valid)} valid, {iok}/{len(invalid)} invalid')
    return 0 if vok == len(valid) and iok == len(invalid) else 1


if __name__ == '__main__':
    sys.exit(main())
