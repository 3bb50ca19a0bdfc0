"""Makes libc++ 19's <fstream> usable for wasm32-wasip1.

libc++ is built here without its filesystem library (wasi-libc has no statvfs), and that
switches off <fstream> too: std::ifstream would only be declared. Yet file streams need
nothing from that library: basic_filebuf is a template over stdio's FILE*, which wasi-libc
has. Checkers written against Kattis' validate.h and many testlib-era checkers open their
files with std::ifstream, so they would not compile.

Usage: python3 fstream_patch.py FSTREAM, libc++'s installed <fstream>, patched in place:
  1. file streams are declared whether or not the filesystem library was built;
  2. the explicit instantiations that libc++.a would have provided with the filesystem
     library are not declared extern (each program instantiates what it uses instead).
Each replaced text must occur exactly once, so a different libc++ fails loudly.
"""

import sys

HUNKS = [
    (
        "enable file streams without the filesystem library",
        "#if !defined(_LIBCPP_HAS_NO_FILESYSTEM)\n",
        "#if 1 /* Xcode: see fstream_patch.py */\n",
    ),
    (
        "no extern templates that libc++.a does not define",
        "#  if _LIBCPP_AVAILABILITY_HAS_ADDITIONAL_IOSTREAM_EXPLICIT_INSTANTIATIONS_1\n"
        "extern template class _LIBCPP_EXTERN_TEMPLATE_TYPE_VIS basic_ifstream<char>;\n",
        "#  if 0 /* Xcode: libc++.a was built without these instantiations */\n"
        "extern template class _LIBCPP_EXTERN_TEMPLATE_TYPE_VIS basic_ifstream<char>;\n",
    ),
]


def main() -> None:
    path = sys.argv[1]
    with open(path, encoding="utf-8") as source:
        text = source.read()
    for name, old, new in HUNKS:
        count = text.count(old)
        if count != 1:
            sys.exit(f"fstream_patch: {name}: expected the text once in {path}, found {count}")
        text = text.replace(old, new)
    with open(path, "w", encoding="utf-8") as output:
        output.write(text)


if __name__ == "__main__":
    main()
