#!/usr/bin/env python3
"""Validate bodies.tsv: column count, sector/kind values, sort order, duplicate
names, and aliases that collide with other bodies. Prints counts per kind.
Usage: python3 config/gazetteer/validate.py [path/to/bodies.tsv]"""
import collections, os, sys

KINDS = {
    'local-government': {'council', 'combined-authority', 'local-gov-body'},
    'health': {'nhs-trust', 'icb', 'nhs-body'},
    'higher-education': {'university', 'fe-college', 'he-body'},
    'blue-light': {'police', 'pcc', 'fire', 'ambulance', 'blue-light-body'},
}
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'bodies.tsv')
raw = open(path, encoding='utf-8').read()
errs = []
if '\r' in raw:
    errs.append('CRLF line endings')
lines = raw.rstrip('\n').split('\n')
if lines[0] != 'name\tsector\tkind\taliases':
    errs.append(f'bad header: {lines[0]!r}')
rows, names = [], {}
for i, line in enumerate(lines[1:], 2):
    cols = line.split('\t')
    if len(cols) != 4:
        errs.append(f'line {i}: {len(cols)} columns'); continue
    name, sector, kind, al = cols
    aliases = al.split('|') if al else []
    if not name or name != name.strip() or '|' in name:
        errs.append(f'line {i}: bad name {name!r}')
    if sector not in KINDS:
        errs.append(f'line {i}: bad sector {sector!r}')
    elif kind not in KINDS[sector]:
        errs.append(f'line {i}: kind {kind!r} not valid for {sector}')
    if any(not a or a != a.strip() for a in aliases):
        errs.append(f'line {i}: empty or padded alias')
    if len({a.lower() for a in aliases} | {name.lower()}) != len(aliases) + 1:
        errs.append(f'line {i}: alias repeated or equal to own name')
    if name.lower() in names:
        errs.append(f'line {i}: duplicate name {name!r}')
    names[name.lower()] = name
    rows.append((name, sector, kind, aliases))
if [(r[1], r[0].lower()) for r in rows] != sorted((r[1], r[0].lower()) for r in rows):
    errs.append('rows not sorted by sector, then name (case-insensitive)')
owners = collections.defaultdict(list)
for name, _, _, aliases in rows:
    for a in aliases:
        owners[a.lower()].append(name)
        if a.lower() in names:
            errs.append(f'alias {a!r} of {name!r} is the name of {names[a.lower()]!r}')
for a, who in owners.items():
    if len(who) > 1:
        errs.append(f'alias {a!r} shared by {who}')
for e in errs:
    print('ERROR', e)
print(f'{len(rows)} bodies, {sum(len(r[3]) for r in rows)} aliases')
for (s, k), n in sorted(collections.Counter((r[1], r[2]) for r in rows).items()):
    print(f'  {s:17} {k:19} {n}')
sys.exit(1 if errs else 0)
