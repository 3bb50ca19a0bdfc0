;; Reads a name from stdin and greets it: the module the README runs first.
;; WASI preview 1, hand-written so that no wasm compiler is needed.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; "Hello, " at 0; the name is read right after it, at 7.
  (data (i32.const 0) "Hello, ")
  (func (export "_start")
    (local $len i32)
    ;; iovec at 1024: read up to 256 bytes of name to offset 7.
    (i32.store (i32.const 1024) (i32.const 7))
    (i32.store (i32.const 1028) (i32.const 256))
    (drop (call $fd_read (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 1040)))
    (local.set $len (i32.load (i32.const 1040)))
    ;; Drop a trailing newline, default to "world", then add "!\n".
    (if (i32.and (i32.gt_u (local.get $len) (i32.const 0))
                 (i32.eq (i32.load8_u (i32.add (i32.const 6) (local.get $len))) (i32.const 10)))
      (then (local.set $len (i32.sub (local.get $len) (i32.const 1)))))
    (if (i32.eqz (local.get $len))
      (then
        (i32.store (i32.const 7) (i32.const 0x6c726f77)) ;; "worl"
        (i32.store8 (i32.const 11) (i32.const 0x64))      ;; "d"
        (local.set $len (i32.const 5))))
    (i32.store16 (i32.add (i32.const 7) (local.get $len)) (i32.const 0x0a21)) ;; "!\n"
    (i32.store (i32.const 1024) (i32.const 0))
    (i32.store (i32.const 1028) (i32.add (local.get $len) (i32.const 9)))
    (drop (call $fd_write (i32.const 1) (i32.const 1024) (i32.const 1) (i32.const 1040)))))
