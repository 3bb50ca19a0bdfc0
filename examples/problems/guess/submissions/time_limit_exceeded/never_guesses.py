# Waits for the validator to speak first, but the validator waits for a guess:
# nobody writes, and the submission sits blocked on stdin until the judge's
# (wall-clock) time limit ends it.
import sys

sys.stdin.read()
