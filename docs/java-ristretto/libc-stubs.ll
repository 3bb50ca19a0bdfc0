; libc symbols missing from Debian 12's wasi-libc (2022) that Rust 1.96's std references.
target datalayout = "e-m:e-p:32:32-p10:8:8-p20:8:8-i64:64-i128:128-n32:64-S128-ni:1:10:20"
target triple = "wasm32-unknown-wasi"

@errno = external global i32
declare i32 @strlen(ptr)
declare ptr @malloc(i32)
declare ptr @memcpy(ptr, ptr, i32)

; no threads on wasip1: nothing can be joined (ENOSYS = 52); detaching is a no-op
define i32 @pthread_join(i32 %t, ptr %r) { ret i32 52 }
define i32 @pthread_detach(i32 %t) { ret i32 0 }

; chmod: unsupported under WASI preview 1
define i32 @chmod(ptr %p, i32 %m) {
  store i32 52, ptr @errno
  ret i32 -1
}

; realpath: return the path unchanged (a copy), as WASI p1 has no canonicalisation
define ptr @realpath(ptr %p, ptr %out) {
entry:
  %n = call i32 @strlen(ptr %p)
  %n1 = add i32 %n, 1
  %isnull = icmp eq ptr %out, null
  br i1 %isnull, label %alloc, label %copy
alloc:
  %m = call ptr @malloc(i32 %n1)
  br label %copy
copy:
  %dst = phi ptr [ %out, %entry ], [ %m, %alloc ]
  call ptr @memcpy(ptr %dst, ptr %p, i32 %n1)
  ret ptr %dst
}
