# Evaluated by ruby.wasm's `_start` (glue.wat) through rb-eval-string-protect, once init.rb has
# run (in this instance, or before the snapshot this instance starts from). glue.wat puts one
# line before this text: `__xcode_argv = ["\x2f\x73...", ...]`, this run's argv[1..] (the
# script, then its arguments), every byte escaped.
# It sets ARGV, then runs the script as the main program (compiled with Prism, as `ruby` 3.4
# does; top-level frame '<main>'; $0 and DATA set). An exception it raises (SystemExit included)
# is left for ruby_cleanup, which runs at_exit handlers, prints Ruby's usual message and picks
# the exit status, as the `ruby` command does. Locals here live in this eval's scope, not the
# script's.
#
# ARGV as ruby_options would have made it: frozen strings in the default external encoding.
ARGV.replace(__xcode_argv.map { |arg| String.new(arg, encoding: Encoding.default_external).freeze })
# A snapshot holds init's state of the default random generator: reseed it from this run's
# random_get, so `rand` differs between runs (and is fixed under a deterministic random_get).
Random.srand
__xcode_script = ARGV.shift || "/src/main.rb"
$0 = __xcode_script
begin
  __xcode_iseq =
    if RubyVM::InstructionSequence.respond_to?(:compile_file_prism)
      RubyVM::InstructionSequence.compile_file_prism(__xcode_script)
    else
      RubyVM::InstructionSequence.compile_file(__xcode_script)
    end
  # DATA: the script's text after an `__END__` line (found by a plain search, not the parser).
  if (__xcode_end = File.binread(__xcode_script).match(/^__END__(?:\r?\n|\z)/n))
    __xcode_data = File.open(__xcode_script)
    __xcode_data.seek(__xcode_end.end(0))
    Object.const_set(:DATA, __xcode_data)
  end
  __xcode_iseq.eval
rescue Exception => __xcode_error
  # Drop this runner's frames (file "eval") from the backtrace Ruby prints. With none left
  # (a syntax error) or none recorded (NoMemoryError), name the script, as `ruby` does.
  __xcode_bt = __xcode_error.backtrace
  __xcode_at = __xcode_bt&.index { |line| line.start_with?("eval:") }
  __xcode_bt = __xcode_bt[0, __xcode_at] if __xcode_at
  __xcode_bt = [__xcode_script] if __xcode_bt.nil? || __xcode_bt.empty?
  (__xcode_error.set_backtrace(__xcode_bt) rescue nil)
  raise __xcode_error
end
