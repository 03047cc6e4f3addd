#!/bin/sh
# CTest runs each Catch2 test by its name (catch_discover_tests). A name with a semicolon is
# split into a list there, so its test silently runs nothing and passes; a name starting with
# "--" is read by Catch as an option. Refuse both, so no test is skipped without a word.
# Usage: check_test_names.sh MEMSIM_TESTS_BINARY
# (Catch2 v2 exits with the number of tests it lists, so the status says nothing here.)
names=$("$1" --list-test-names-only)
[ -n "$names" ] || { echo "cannot list the tests of $1"; exit 1; }
bad=$(printf '%s\n' "$names" | grep -e ';' -e '^--')
if [ -n "$bad" ]; then
  printf 'test names CTest cannot run (no ";", no leading "--"):\n%s\n' "$bad"
  exit 1
fi
