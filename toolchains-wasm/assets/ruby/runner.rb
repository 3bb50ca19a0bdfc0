# Evaluated once by ruby.wasm's `wizer.initialize` (glue.wat), after init.rb: defines (compiles,
# so that no run parses it) the lambda that each run's `_start` calls through
# rb-eval-string-protect as `__xcode_main.(["\x2f\x73...", ...])`, with that run's argv[1..]
# (the script, then its arguments; every byte escaped).
# It sets ARGV, then runs the script as the main program (compiled with Prism, as `ruby` 3.4
# does; top-level frame '<main>'; $0 and DATA set). An exception it raises (SystemExit included)
# is left for ruby_cleanup, which runs at_exit handlers, prints Ruby's usual message and picks
# the exit status, as the `ruby` command does. Its locals are the lambda's, not the script's;
# only __xcode_main stays in TOPLEVEL_BINDING.
__xcode_main = lambda do |argv|
  # ARGV as ruby_options makes it: frozen strings in the default external encoding.
  ARGV.replace(argv.map { |arg| String.new(arg, encoding: Encoding.default_external).freeze })
  # A snapshot holds init's state of the default random generator (unseeded unless init used
  # it): seed it from this run's random_get, so `rand` differs between runs, as `ruby`'s does,
  # and is fixed when random_get is (deterministic runs). Hash seeds stay those of init.
  Random.srand
  script = ARGV.shift || "/src/main.rb"
  $0 = script
  begin
    iseq =
      if RubyVM::InstructionSequence.respond_to?(:compile_file_prism)
        RubyVM::InstructionSequence.compile_file_prism(script)
      else
        RubyVM::InstructionSequence.compile_file(script)
      end
    # DATA: the script's text after an `__END__` line (found by a plain search, not the parser).
    if (data_at = File.binread(script).match(/^__END__(?:\r?\n|\z)/n))
      data = File.open(script)
      data.seek(data_at.end(0))
      Object.const_set(:DATA, data)
    end
    iseq.eval
  rescue Exception => error
    # Drop this runner's frames (file "eval") from the backtrace Ruby prints. With none left
    # (a syntax error) or none recorded (NoMemoryError), name the script, as `ruby` does.
    bt = error.backtrace
    at = bt&.index { |line| line.start_with?("eval:") }
    bt = bt[0, at] if at
    bt = [script] if bt.nil? || bt.empty?
    (error.set_backtrace(bt) rescue nil)
    raise error
  end
end
nil
