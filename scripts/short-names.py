#!/usr/bin/env python3
"""Gives the names between the shop's first-load wasm and its JS glue short names (scripts/
split-wasm.sh runs this on the release build, after wasm-opt, before esbuild).

Usage: short-names.py WASM GLUE_JS

wasm-bindgen names each JS function the wasm imports `__wbg_<name>_<16 hex digits>`, puts
them all under the module "./<glue>_bg.js", and exports closures' entry points under their
Rust type written out in full (a few hundred characters each). The names are written
twice, once in the wasm and once in the glue, where brotli can't match one against the
other, and their hex digits don't compress: 5.5 kB of the first load's brotli (148,430 ->
142,927 B) that only tied the two files together. So, in both files:
- the glue's import module becomes "b", and each of its functions a short name (`a`, `b`,
  ... `aa`, ...), in the order the wasm imports them;
- the split loader's import module ("./__wasm_split.js", which wasm-bindgen also imports
  once per function, each time as a module of its own) becomes "s", imported once;
- every export the glue uses only as `wasm.<name>` gets a short name too. The ones the
  split loader takes from the instance by name (`memory`, `__indirect_function_table`,
  `__wasm_split_shared<n>`) and any the glue doesn't use keep theirs.
Everything else in the wasm is copied byte for byte. The script fails, and with it the
build, when the glue isn't shaped as expected (a name not found exactly where it should be,
or left anywhere after renaming), so a wasm-bindgen upgrade can't quietly break the shop.
"""
import re
import sys

GLUE_MODULE = "b"
SPLIT_MODULE = "s"
# The split loader's module, as wasm-bindgen names it to the wasm.
SPLIT_SOURCE = "./__wasm_split.js"
# Taken from the instance by name by the split loader (wasm-split-cli's __wasm_split.js).
KEEP_EXPORT = re.compile(r"memory|__indirect_function_table|__wasm_split_shared\d+")


def mention(name):
    """`name` as a whole JS identifier or property."""
    return re.compile(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])")


def wasm_use(name):
    """`wasm.<name>`: the glue using the instance's export `name`."""
    return re.compile(r"\bwasm\." + re.escape(name) + r"(?![\w$])")


def fail(message):
    sys.exit(f"short-names: {message}")


def uleb(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def put_uleb(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def put_name(name):
    raw = name.encode()
    return put_uleb(len(raw)) + raw


def get_name(data, at):
    length, at = uleb(data, at)
    return data[at : at + length].decode(), at + length


def limits_end(data, at):
    flags = data[at]
    _, at = uleb(data, at + 1)
    return uleb(data, at)[1] if flags & 1 else at


def desc_end(data, kind, at):
    """Where an import's description (after its kind byte) ends."""
    if kind == 0:  # function: type index
        return uleb(data, at)[1]
    if kind == 1:  # table: reference type, limits
        return limits_end(data, at + 1)
    if kind == 2:  # memory: limits
        return limits_end(data, at)
    if kind == 3:  # global: value type, mutability
        return at + 2
    if kind == 4:  # tag: attribute, type index
        return uleb(data, at + 1)[1]
    fail(f"unknown import kind {kind}")


def short_names():
    """a, b, ... z, A, ... Z, aa, ab, ...: JS identifiers, none a reserved word."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    width = 1
    while True:
        for n in range(len(letters) ** width):
            name = ""
            for _ in range(width):
                name = letters[n % len(letters)] + name
                n //= len(letters)
            if name not in ("do", "if", "in"):
                yield name
        width += 1


def sections(data):
    if data[:8] != b"\0asm\1\0\0\0":
        fail("not a wasm module")
    at = 8
    while at < len(data):
        sid = data[at]
        size, body = uleb(data, at + 1)
        yield sid, body, body + size
        at = body + size


def rewrite_vector(data, body, rewrite):
    """A section that is a vector of entries (imports, exports), each entry rewritten:
    `rewrite(at)` returns the new entry's bytes and where the old one ends."""
    count, at = uleb(data, body)
    entries = []
    for _ in range(count):
        entry, at = rewrite(at)
        entries.append(entry)
    return put_uleb(count) + b"".join(entries)


def main(wasm_path, glue_path):
    data = open(wasm_path, "rb").read()
    glue = open(glue_path).read()

    # The glue's import module, as the glue names it to the wasm.
    modules = re.findall(r'^\s*"(\./[^"]+_bg\.js)": import0,$', glue, re.M)
    if len(modules) != 1:
        fail("the glue's imports object has no single \"./<name>_bg.js\": import0")
    glue_module = modules[0]

    out = bytearray(data[:8])
    import_renames, export_renames = {}, {}
    split_imported = False
    import_names, export_names = short_names(), short_names()
    for sid, body, end in sections(data):
        payload = data[body:end]
        if sid == 2:

            def rename_import(at):
                nonlocal split_imported
                module, at = get_name(data, at)
                field, at = get_name(data, at)
                start, at = at, desc_end(data, data[at], at + 1)
                if module == glue_module:
                    import_renames[field] = next(import_names)
                    module, field = GLUE_MODULE, import_renames[field]
                elif module == SPLIT_SOURCE:
                    module, split_imported = SPLIT_MODULE, True
                return put_name(module) + put_name(field) + data[start:at], at

            payload = rewrite_vector(data, body, rename_import)
        elif sid == 7:

            def rename_export(at):
                name, at = get_name(data, at)
                start, at = at, uleb(data, at + 1)[1]
                uses = len(mention(name).findall(glue))
                if not KEEP_EXPORT.fullmatch(name) and uses and uses == len(wasm_use(name).findall(glue)):
                    export_renames[name] = name = next(export_names)
                return put_name(name) + data[start:at], at

            payload = rewrite_vector(data, body, rename_export)
        out += bytes([sid]) + put_uleb(len(payload)) + payload
    if not import_renames:
        fail(f"the wasm imports nothing from {glue_module}")

    # The glue: each import's function is a key of `import0`, one per line.
    for old, new in import_renames.items():
        glue, n = re.subn(r"^(\s+)" + re.escape(old) + r": function\(", r"\g<1>" + new + ": function(", glue, flags=re.M)
        if n != 1:
            fail(f"the glue defines the import {old} {n} times, not once")
    for old, new in export_renames.items():
        glue = wasm_use(old).sub("wasm." + new, glue)
    glue = glue.replace(f'"{glue_module}": import0,', f'"{GLUE_MODULE}": import0,', 1)
    # The split loader: one import, one key (wasm-bindgen writes both once per function).
    split = re.findall(r'^import \* as (import\d+) from ("[^"]+");?\n', glue, re.M)
    if bool(split) != split_imported:
        fail(f"the wasm imports {'from' if split_imported else 'nothing from'} {SPLIT_SOURCE}, the glue {len(split)} modules")
    if split:
        first, source = split[0]
        if any(s != source for _, s in split):
            fail("the glue imports more than one module besides its own")
        glue = re.sub(r"^import \* as import\d+ from " + re.escape(source) + r";?\n", "", glue, flags=re.M)
        glue = f"import * as {first} from {source};\n" + glue
        glue, n = re.subn(r'^\s*"' + re.escape(SPLIT_SOURCE) + r'": import\d+,\n', "", glue, flags=re.M)
        if n != len(split):
            fail(f"the glue passes the split loader {n} times, imports it {len(split)} times")
        glue = glue.replace(f'"{GLUE_MODULE}": import0,', f'"{GLUE_MODULE}": import0,\n        "{SPLIT_MODULE}": {first},', 1)

    left = [old for old in [*import_renames, *export_renames] if mention(old).search(glue)]
    left += [f'"{module}"' for module in (glue_module, SPLIT_SOURCE) if f'"{module}":' in glue]
    if left:
        fail(f"the glue still names {', '.join(left[:5])}")
    open(wasm_path, "wb").write(out)
    open(glue_path, "w").write(glue)
    print(f"short-names: {len(import_renames)} imports and {len(export_renames)} exports renamed, wasm {len(data)} -> {len(out)} B")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
