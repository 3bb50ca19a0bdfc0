# Waits for the validator to speak first, but the validator waits for a guess:
# nobody writes. The judge sees the two waiting on each other and stops the
# submission at once: TLE, "waited for input while the validator was waiting".
import sys

sys.stdin.read()
