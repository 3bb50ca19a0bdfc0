"""Three fixes to LLVM 19's runtimes for wasm32-wasip1 with wasm exception handling."""
import pathlib, sys

src = pathlib.Path(sys.argv[1])

def patch(path, old, new):
    file = src / path
    text = file.read_text()
    if text.count(old) != 1:
        sys.exit(f"{path}: expected one `{old.strip()}`")
    file.write_text(text.replace(old, new))

# libunwind's assembly sources include assembly.h, which knows no wasm target.
patch("libunwind/src/assembly.h", "#elif defined(__sparc__)\n",
      "#elif defined(__wasm__)\n\n#define NO_EXEC_STACK_DIRECTIVE\n\n#elif defined(__sparc__)\n")
# clang 22's wasm-ld no longer defines the C++ exception tag: libunwind throws with it.
patch("libunwind/src/Unwind-wasm.c", "#include <threads.h>\n",
      "#include <threads.h>\n\n__asm__(\".globl __cpp_exception\\n\"\n"
      "        \".tagtype __cpp_exception i32\\n\"\n        \"__cpp_exception:\\n\");\n")
