# Evaluated once by ruby.wasm's `wizer.initialize` (glue.wat) through rb-eval-string-protect,
# after ruby-init and before runner.rb: the start-up work that no run can change. It may run at
# install time, its result frozen into a snapshot that every run starts from, so it must not
# look at anything of a run (script, argv, stdin, environment, clock, randomness), must print
# nothing and must leave no file open. No locals: they would stay in TOPLEVEL_BINDING.
$stdout.sync = false
# Without RubyGems (ruby-init given --disable-gems), bundled gems (prime, matrix, ...) are still
# loadable: their lib directories join the load path.
unless defined?(Gem)
  require "rbconfig"
  $LOAD_PATH.concat(Dir.glob("#{RbConfig::CONFIG["rubylibprefix"]}/gems/#{RbConfig::CONFIG["ruby_version"]}/gems/*/lib").sort)
end
# Set is autoloaded (by prelude): loading it here saves a run that uses it ~30 M fuel. This
# require also builds the expanded load path that every require searches (~10 M fuel when a run
# builds it), valid until $LOAD_PATH changes. Seen from a script: `require "set"` returns false.
require "set"
nil
