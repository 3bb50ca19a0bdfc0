# Run once by wizer.initialize (glue.wat), after the reactor's own start-up, before the snapshot:
# what is imported here costs a run nothing. `_reactor.run` itself imports runpy and pkgutil
# (and through them importlib.util, importlib.machinery, weakref); an uncaught exception's
# traceback imports traceback (linecache, tokenize, textwrap, contextlib, pathlib, warnings);
# the rest is what judge programs commonly import. Nothing may print. gc.freeze() again, as the
# reactor's init does: what the snapshot holds is never scanned by a run's collections.
# (python3-next.sh puts `import $PYTHON_PRELOAD` before this file's lines.)
import runpy, pkgutil, importlib.util, importlib.machinery, weakref
import traceback, linecache, tokenize, textwrap, contextlib, pathlib, warnings, codeop
import math, cmath, collections, heapq, bisect, itertools, functools, operator, string, typing
import random, dataclasses, decimal, fractions, array, copy, statistics, datetime, struct
# Modules given beside the program import as they do for `python3 /src/main.py`: /src first
# on sys.path. No finder is cached for it here (the snapshot's /src is empty): each run lists
# its own /src on its first import that the snapshot does not hold.
import sys
sys.path.insert(0, "/src")
sys.path_importer_cache.pop("/src", None)
import gc
gc.collect()
gc.freeze()
