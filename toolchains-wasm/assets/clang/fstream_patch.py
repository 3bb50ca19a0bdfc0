"""Makes libc++'s <fstream> usable for wasm32-wasip1.

Debian's libc++ for wasm32 is configured without the filesystem library
(_LIBCPP_HAS_FILESYSTEM 0), which also switches off <fstream>: std::ifstream is only declared.
Yet file streams need nothing from that library: basic_filebuf is a template over stdio's FILE*,
which wasi-libc has. Checkers written against Kattis' validate.h and many testlib-era checkers
open their files with std::ifstream, so they would not compile.

Usage: python3 fstream_patch.py IN OUT, IN being libc++'s own <fstream>. OUT, placed in an
include directory searched before libc++'s, is the same header with two changes:
  1. it is enabled whenever localization is (not only with the filesystem library);
  2. it does not declare the explicit instantiations that libc++.a would have provided had it
     been built with the filesystem library (each program instantiates what it uses instead).
Each replaced text must occur exactly once, so a different libc++ fails loudly.
"""

import sys

HUNKS = [
    (
        "enable file streams without the filesystem library",
        "#  if _LIBCPP_HAS_FILESYSTEM && _LIBCPP_HAS_LOCALIZATION\n",
        "#  if _LIBCPP_HAS_LOCALIZATION /* Xcode: see fstream_patch.py */\n",
    ),
    (
        "no extern templates that libc++.a does not define",
        "#    if _LIBCPP_AVAILABILITY_HAS_ADDITIONAL_IOSTREAM_EXPLICIT_INSTANTIATIONS_1\n"
        "extern template class _LIBCPP_EXTERN_TEMPLATE_TYPE_VIS basic_ifstream<char>;\n",
        "#    if 0 /* Xcode: libc++.a was built without these instantiations */\n"
        "extern template class _LIBCPP_EXTERN_TEMPLATE_TYPE_VIS basic_ifstream<char>;\n",
    ),
]


def main() -> None:
    source_path, output_path = sys.argv[1], sys.argv[2]
    with open(source_path, encoding="utf-8") as source:
        text = source.read()
    for name, old, new in HUNKS:
        count = text.count(old)
        if count != 1:
            sys.exit(f"fstream_patch: {name}: expected the text once in {source_path}, found {count}")
        text = text.replace(old, new)
    with open(output_path, "w", encoding="utf-8") as output:
        output.write(text)


if __name__ == "__main__":
    main()
