#!/usr/bin/env python3
"""Generate XDR test vectors with Python's xdrlib, an implementation
independent of wirekit's, for xdr/vectors_test.go.

    python3 testdata/xdr/vectors.py > testdata/xdr/vectors.json

xdrlib ships with Python up to 3.12 (it is deprecated since 3.11 and removed
in 3.13), so the output is committed and the Go tests never need Python.

Each vector is {"type": T, "value": V, "hex": H}: the encoding xdrlib
produced for value V of XDR type T. Floats are written as Python repr
strings ("nan", "-0.0", ...) and byte strings as hex, so that JSON carries
them exactly.
"""

import json
import struct
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import xdrlib

vectors = []


def add(typ, value, pack):
    p = xdrlib.Packer()
    pack(p)
    vectors.append({"type": typ, "value": value, "hex": p.get_buffer().hex()})


for v in [0, 1, -1, 42, 2**31 - 1, -(2**31), -2]:
    add("int", v, lambda p, v=v: p.pack_int(v))
for v in [0, 1, 2**31, 2**32 - 1, 0xDEADBEEF]:
    add("uint", v, lambda p, v=v: p.pack_uint(v))
for v in [0, 1, -1, 2**32, 2**63 - 1, -(2**63), -(2**32) - 7]:
    add("hyper", v, lambda p, v=v: p.pack_hyper(v))
for v in [0, 1, 2**63, 2**64 - 1, 0x0123456789ABCDEF]:
    add("uhyper", v, lambda p, v=v: p.pack_uhyper(v))
for v in [False, True]:
    add("bool", v, lambda p, v=v: p.pack_bool(v))
for v in [0, 1, 2, -1]:
    add("enum", v, lambda p, v=v: p.pack_enum(v))

floats32 = [0.0, -0.0, 1.0, -1.5, 0.1, float("inf"), float("-inf"), float("nan"),
            3.4028234663852886e38,  # max float32
            1.401298464324817e-45,  # smallest denormal float32
            1.1754943508222875e-38]  # smallest normal float32
for v in floats32:
    # Round through float32 so the value written is the one packed.
    v32 = struct.unpack(">f", struct.pack(">f", v))[0]
    add("float", repr(v32), lambda p, v=v32: p.pack_float(v))
floats64 = [0.0, -0.0, 1.0, -1.5, 0.1, float("inf"), float("-inf"), float("nan"),
            1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 1e100]
for v in floats64:
    add("double", repr(v), lambda p, v=v: p.pack_double(v))

# Opaques and strings of every padding length, some with non-ASCII bytes.
samples = [b"", b"a", b"ab", b"abc", b"abcd", b"abcde", b"\x00\xff\x80\x7f\x01",
           b"sillyprog", bytes(range(16)), bytes(range(256)) * 4]
for b in samples:
    add("opaque", b.hex(), lambda p, b=b: p.pack_opaque(b))
    add("string", b.hex(), lambda p, b=b: p.pack_string(b))
for n in [0, 1, 2, 3, 4, 5, 16]:
    b = bytes((i * 37 + 11) & 0xFF for i in range(n))
    add("fopaque%d" % n, b.hex(), lambda p, b=b, n=n: p.pack_fopaque(n, b))

# Arrays: fixed (no count) and variable (count first), empty and long.
for n, items in [(3, [1, -2, 3]), (1, [7])]:
    add("farray_int%d" % n, items, lambda p, n=n, items=items: p.pack_farray(n, items, p.pack_int))
for items in [[], [5], [1, 2, 3], list(range(-500, 500))]:
    add("array_int", items, lambda p, items=items: p.pack_array(items, p.pack_int))
for items in [[], [2**40, -(2**40)]]:
    add("array_hyper", items, lambda p, items=items: p.pack_array(items, p.pack_hyper))
for items in [[], ["", "a", "abcd", "abcde"]]:
    add("array_string", items,
        lambda p, items=items: p.pack_array([s.encode() for s in items], p.pack_string))
for items in [[], [True, False, True]]:
    add("array_bool", items, lambda p, items=items: p.pack_array(items, p.pack_bool))


# Structs, unions and optional-data are sequences of the above: the RFC 4506
# section 7 "file" example, one file per union arm.
def pack_file(name, kind, arm, owner, data):
    def pack(p):
        p.pack_string(name)
        p.pack_enum(kind)  # union filetype switch (filekind kind)
        if kind != 0:  # TEXT: void; DATA: creator; EXEC: interpretor
            p.pack_string(arm)
        p.pack_string(owner)
        p.pack_opaque(data)
    return pack


for name, kind, arm, owner, data in [
        (b"sillyprog", 2, b"lisp", b"john", b"(quit)"),
        (b"notes.txt", 0, b"", b"ann", b"hello, world\n"),
        (b"", 1, b"ed", b"", b"")]:
    add("file", {"filename": name.decode(), "kind": kind, "arm": arm.decode(),
                 "owner": owner.decode(), "data": data.hex()},
        pack_file(name, kind, arm, owner, data))


# A linked list through optional-data: struct node { int val; node *next; }.
def pack_list(vals):
    def pack(p):
        for i, v in enumerate(vals):
            if i > 0:
                p.pack_bool(True)  # the previous node's next is present
            p.pack_int(v)
        p.pack_bool(False)
    return pack


for vals in [[9], [5, 7, 3, 9]]:
    add("list", vals, pack_list(vals))

json.dump({"generator": "Python %s xdrlib" % sys.version.split()[0], "vectors": vectors},
          sys.stdout, indent=1)
sys.stdout.write("\n")
