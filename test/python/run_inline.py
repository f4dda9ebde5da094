"""Runs a one-line Python program given as the first argument, with the rest as sys.argv[1:]:
small ad-hoc PyTorch/numpy steps of the end-to-end tests."""
import sys

program = sys.argv[1]
sys.argv = [sys.argv[0]] + sys.argv[2:]
exec(program)
