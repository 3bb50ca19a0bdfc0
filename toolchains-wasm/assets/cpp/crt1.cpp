// The start of every C++ program: wasi-libc's crt1-command.c with the constructors of globals
// and `main` inside a try block, so that an exception nobody catches reaches std::terminate
// (which prints its type and what()) instead of leaving the module as a bare wasm exception.
#include <exception>

extern "C" {
void __wasm_call_ctors(void);
void __wasm_call_dtors(void);
int __main_void(void);
[[noreturn]] void __wasi_proc_exit(int) __attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_exit")));

__attribute__((export_name("_start"))) void _start(void) {
    static volatile int started = 0;
    if (started != 0) __builtin_trap();
    started = 1;
    int status;
    try {
        __wasm_call_ctors();
        status = __main_void();
    } catch (...) {
        std::terminate();
    }
    __wasm_call_dtors();
    if (status != 0) __wasi_proc_exit(status);
}
}
