"""Front doors: the HTTP app, the web page and the command line.

Importing this package sets, before numpy loads its OpenBLAS, how long OpenBLAS's idle
worker threads spin for more work: 2^4 cycles instead of 2^28 (~0.1 s). The reader's
products then use both cores (the answer step 293 -> 206 ms p50 on 2 cores) without the
workers spinning on the core the next query's encoder needs (+1.4 ms per encode when
they did). An explicit ``OPENBLAS_THREAD_TIMEOUT`` in the environment is kept.
"""

import os

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
