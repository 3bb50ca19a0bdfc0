;; ruby.wasm's entry points: turn ruby.wasm's reactor (`@ruby/3.4-wasm-wasi`) into a WASI command
;; that can be pre-initialised. build/ruby.sh merges this module (as "xcode_glue") into the
;; reactor (as "ruby") with wasm-merge; the reactor's exports prefixed `xcode_` are internal
;; functions that prepare.mjs exported by name. The @PLACEHOLDERS@ (init.rb, runner.rb, the VM
;; stack size, ruby-init's arguments) are filled by prepare.mjs.
;;
;; Ruby's own main(), split over the reactor's API in two halves:
;;
;; wizer.initialize: the start-up, the same for every run. It may run once, at install time,
;; the module then snapshotted (Wizer-style) with the memory and globals it leaves, so it reads
;; nothing of a run (no argv, no stdin) and prints nothing.
;;   _initialize                      wasi-libc constructors + wasi-vfs (the packed stdlib)
;;   setenv RUBY_THREAD_VM_STACK_SIZE (unless the environment sets it)
;;   ruby-init [INIT_ARGS...]         ruby_init, ruby_sysinit, ruby_options; INIT_ARGS is e.g.
;;                                    ruby -EUTF-8 --disable-gems -e_=0 (no script: -e)
;;   rb-eval-string-protect init.rb   load path, $stdout's mode, preloads
;;   rb-eval-string-protect runner.rb defines (compiles) the lambda __xcode_main
;;   $initialized = 1                 checked first: asyncify is at rest (state 0)
;;
;; _start: a run. Does wizer.initialize first unless $initialized says it is done.
;;   args_get                         this run's argv (argv[0] is dropped: Ruby's is "ruby")
;;   rb-eval-string-protect `__xcode_main.(["\xHH...", ...])`, argv[1..] with every byte escaped:
;;                                    sets ARGV, reseeds Random, runs ARGV[0] as the main script;
;;                                    gives the tag state
;;   ruby_cleanup(state)              at_exit, error message, finalizers, flushes; exit status
;;   proc_exit(status)
(module
  (type $fiber_entry (func (param i32 i32)))

  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  (import "ruby" "memory" (memory 1))
  (import "ruby" "xcode_table" (table 1 funcref))
  (import "ruby" "_initialize" (func $initialize))
  (import "ruby" "cabi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
  (import "ruby" "ruby-init: func(args: list<string>) -> ()" (func $ruby_init (param i32 i32)))
  (import "ruby" "rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>"
    (func $eval_protect (param i32 i32) (result i32)))
  (import "ruby" "asyncify_get_state" (func $asyncify_get_state (result i32)))
  (import "ruby" "asyncify_stop_unwind" (func $asyncify_stop_unwind))
  (import "ruby" "asyncify_start_rewind" (func $asyncify_start_rewind (param i32)))
  (import "ruby" "xcode_ruby_cleanup" (func $ruby_cleanup (param i32) (result i32)))
  (import "ruby" "xcode_setenv" (func $setenv (param i32 i32 i32) (result i32)))
  (import "ruby" "xcode_handle_jmp_unwind" (func $handle_jmp_unwind (result i32)))
  (import "ruby" "xcode_handle_scan_unwind" (func $handle_scan_unwind (result i32)))
  (import "ruby" "xcode_handle_fiber_unwind" (func $handle_fiber_unwind (param i32 i32 i32 i32) (result i32)))

  ;; Passive segments: this module shares the reactor's memory, so it copies its strings into
  ;; memory it allocates instead of placing data at fixed addresses. (No data.drop: Wizer
  ;; rejects it.)
  (data $init_rb "@INIT_RB@")
  (data $runner "@RUNNER@")
  (data $env_name "RUBY_THREAD_VM_STACK_SIZE\00")
  (data $env_value "@VM_STACK_SIZE@\00")
  (data $args "@INIT_ARGS@") ;; @INIT_ARGC@ NUL-terminated strings
  (data $call_open "__xcode_main.([") ;; 15 bytes
  (data $call_close "])")

  ;; Set by wizer.initialize once done; a snapshot starts with it set.
  (global $initialized (mut i32) (i32.const 0))

  ;; malloc(size), 8-aligned (cabi_realloc with no old block).
  (func $alloc (param $size i32) (result i32)
    (call $realloc (i32.const 0) (i32.const 0) (i32.const 8) (local.get $size)))

  (func $strlen (param $s i32) (result i32)
    (local $p i32)
    (local.set $p (local.get $s))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $p) (local.get $s)))

  ;; Appends the NUL-terminated string at $s as list element $i of the canonical-ABI
  ;; list<string> at $list (elements are {ptr, len}; ruby-init reads ptr as a C string).
  (func $set_arg (param $list i32) (param $i i32) (param $s i32)
    (local $at i32)
    (local.set $at (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 3))))
    (i32.store (local.get $at) (local.get $s))
    (i32.store offset=4 (local.get $at) (i32.add (call $strlen (local.get $s)) (i32.const 1))))

  ;; ruby_cleanup(state) under the runtime loop of ruby.wasm (RB_WASM_LIB_RT in its
  ;; witapi-core.c): setjmp/longjmp and fiber switches unwind the asyncify stack up to here and
  ;; are rewound from here. This module is not asyncify-instrumented, as that loop must be.
  (func $cleanup (param $state i32) (result i32)
    (local $result i32)
    (local $buf i32)
    (local $scratch i32) ;; [0] fiber entry, [4] arg0, [8] arg1, [12] new fiber started (bool)
    (local.set $scratch (call $alloc (i32.const 16)))
    (i32.store (local.get $scratch) (i32.const 0))
    (i32.store offset=4 (local.get $scratch) (i32.const 0))
    (i32.store offset=8 (local.get $scratch) (i32.const 0))
    (block $returned
      (loop $again
        (if (i32.load (local.get $scratch))
          (then
            (call_indirect (type $fiber_entry)
              (i32.load offset=4 (local.get $scratch))
              (i32.load offset=8 (local.get $scratch))
              (i32.load (local.get $scratch))))
          (else
            (local.set $result (call $ruby_cleanup (local.get $state)))))
        ;; Returned without unwinding (state 0): done. (RB_WASM_LIB_RT stops the unwind
        ;; unconditionally; after ruby_cleanup has freed the VM, the stale asyncify buffer that
        ;; asyncify_stop_unwind checks may be garbage, so test the state as rb_wasm_rt_start does.)
        (br_if $returned (i32.eqz (call $asyncify_get_state)))
        (call $asyncify_stop_unwind)
        (local.set $buf (call $handle_jmp_unwind))
        (if (local.get $buf)
          (then (call $asyncify_start_rewind (local.get $buf)) (br $again)))
        (local.set $buf (call $handle_scan_unwind))
        (if (local.get $buf)
          (then (call $asyncify_start_rewind (local.get $buf)) (br $again)))
        (i32.store8 offset=12 (local.get $scratch) (i32.const 0))
        (local.set $buf (call $handle_fiber_unwind
          (local.get $scratch)
          (i32.add (local.get $scratch) (i32.const 4))
          (i32.add (local.get $scratch) (i32.const 8))
          (i32.add (local.get $scratch) (i32.const 12))))
        (if (local.get $buf)
          (then (call $asyncify_start_rewind (local.get $buf)) (br $again)))
        (br_if $again (i32.load8_u offset=12 (local.get $scratch)))))
    (local.get $result))


  ;; rb-eval-string-protect of the $len bytes at $src (followed by a NUL): the tag state.
  ;; (The reactor runs it under its own runtime loop; it returns with asyncify at rest.)
  (func $eval (param $src i32) (param $len i32) (result i32)
    (i32.load offset=4 (call $eval_protect (local.get $src) (local.get $len))))

  ;; For init's evaluations, which must succeed: on an exception Ruby prints it and the process
  ;; exits (so the snapshot step fails, saying why).
  (func $must (param $state i32)
    (if (local.get $state)
      (then (call $proc_exit (call $cleanup (local.get $state))))))

  ;; The start-up (see the header). Does nothing once done.
  (func $init (export "wizer.initialize")
    (local $p i32)
    (local $q i32)
    (local $list i32)
    (local $i i32)
    (if (global.get $initialized) (then (return)))
    (call $initialize)

    ;; setenv(name, value, 0): the environment, if it sets the variable, wins.
    (local.set $p (call $alloc (i32.const 26)))
    (memory.init $env_name (local.get $p) (i32.const 0) (i32.const 26))
    (local.set $q (call $alloc (i32.const @VM_STACK_SIZE_LEN@)))
    (memory.init $env_value (local.get $q) (i32.const 0) (i32.const @VM_STACK_SIZE_LEN@))
    (drop (call $setenv (local.get $p) (local.get $q) (i32.const 0)))

    ;; ruby-init [the arguments in $args]. Ruby keeps pointers to them (origarg): never freed.
    (local.set $list (call $alloc (i32.const @INIT_ARGC_X8@)))
    (local.set $p (call $alloc (i32.const @INIT_ARGS_LEN@)))
    (memory.init $args (local.get $p) (i32.const 0) (i32.const @INIT_ARGS_LEN@))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const @INIT_ARGC@)))
        (call $set_arg (local.get $list) (local.get $i) (local.get $p))
        (local.set $p (i32.add (local.get $p) (i32.add (call $strlen (local.get $p)) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $ruby_init (local.get $list) (i32.const @INIT_ARGC@))

    ;; init.rb, then runner.rb.
    (local.set $p (call $alloc (i32.const @INIT_RB_LEN_PLUS_1@)))
    (memory.init $init_rb (local.get $p) (i32.const 0) (i32.const @INIT_RB_LEN@))
    (i32.store8 offset=@INIT_RB_LEN@ (local.get $p) (i32.const 0))
    (call $must (call $eval (local.get $p) (i32.const @INIT_RB_LEN@)))
    (local.set $p (call $alloc (i32.const @RUNNER_LEN_PLUS_1@)))
    (memory.init $runner (local.get $p) (i32.const 0) (i32.const @RUNNER_LEN@))
    (i32.store8 offset=@RUNNER_LEN@ (local.get $p) (i32.const 0))
    (call $must (call $eval (local.get $p) (i32.const @RUNNER_LEN@)))

    ;; A snapshot keeps the asyncify globals as they are now: they must say "normal execution".
    (if (call $asyncify_get_state) (then (unreachable)))
    (global.set $initialized (i32.const 1)))

  ;; The character of hex digit $d (lower case).
  (func $hex (param $d i32) (result i32)
    (select
      (i32.add (local.get $d) (i32.const 48))
      (i32.add (local.get $d) (i32.const 87))
      (i32.lt_u (local.get $d) (i32.const 10))))

  (func $start (export "_start")
    (local $p i32)
    (local $s i32)
    (local $b i32)
    (local $argc i32)
    (local $argv i32)
    (local $size i32)
    (local $src i32)
    (local $i i32)
    (call $init)

    ;; This run's argv.
    (local.set $p (call $alloc (i32.const 8)))
    (drop (call $args_sizes_get (local.get $p) (i32.add (local.get $p) (i32.const 4))))
    (local.set $argc (i32.load (local.get $p)))
    (local.set $size (i32.load offset=4 (local.get $p)))
    (local.set $argv (call $alloc (i32.shl (i32.add (local.get $argc) (i32.const 1)) (i32.const 2))))
    (drop (call $args_get (local.get $argv) (call $alloc (i32.add (local.get $size) (i32.const 1)))))

    ;; The source: `__xcode_main.([`, `"\xHH...",` for each of argv[1..], `])`, a NUL. An
    ;; argument's bytes take 4 characters each, its quotes and comma 3 (its NUL, counted in
    ;; $size, none): 15 + 3 argc + 4 size + 2 + 1 bytes are enough.
    (local.set $src (call $alloc (i32.add
      (i32.add (i32.mul (local.get $argc) (i32.const 3)) (i32.shl (local.get $size) (i32.const 2)))
      (i32.const 18))))
    (memory.init $call_open (local.get $src) (i32.const 0) (i32.const 15))
    (local.set $p (i32.add (local.get $src) (i32.const 15)))
    (local.set $i (i32.const 1))
    (block $args_done
      (loop $next_arg
        (br_if $args_done (i32.ge_u (local.get $i) (local.get $argc)))
        (local.set $s (i32.load (i32.add (local.get $argv) (i32.shl (local.get $i) (i32.const 2)))))
        (i32.store8 (local.get $p) (i32.const 34)) ;; "
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (block $bytes_done
          (loop $next_byte
            (local.set $b (i32.load8_u (local.get $s)))
            (br_if $bytes_done (i32.eqz (local.get $b)))
            (i32.store8 (local.get $p) (i32.const 92)) ;; \
            (i32.store8 offset=1 (local.get $p) (i32.const 120)) ;; x
            (i32.store8 offset=2 (local.get $p) (call $hex (i32.shr_u (local.get $b) (i32.const 4))))
            (i32.store8 offset=3 (local.get $p) (call $hex (i32.and (local.get $b) (i32.const 15))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $next_byte)))
        (i32.store8 (local.get $p) (i32.const 34)) ;; "
        (i32.store8 offset=1 (local.get $p) (i32.const 44)) ;; ,
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_arg)))
    (memory.init $call_close (local.get $p) (i32.const 0) (i32.const 2))
    (local.set $p (i32.add (local.get $p) (i32.const 2)))
    (i32.store8 (local.get $p) (i32.const 0))

    (call $proc_exit (call $cleanup
      (call $eval (local.get $src) (i32.sub (local.get $p) (local.get $src))))))
)
