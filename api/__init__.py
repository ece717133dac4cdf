"""Front doors: the HTTP app, the web page and the command line.

Importing this package sets, before numpy or the encoder load their thread pools, how the
idle threads of those pools behave (an explicit value in the environment is kept):

* ``OMP_WAIT_POLICY=PASSIVE``: the encoder's idle OpenMP threads sleep instead of spinning
  (on this shared 2-core machine under load an 18-token query took 6.0 s with spinning
  threads and 0.09 s with sleeping ones);
* ``OPENBLAS_THREAD_TIMEOUT=4``: OpenBLAS's idle workers spin 2^4 cycles instead of 2^28
  (~0.1 s), so the reader's products can use both cores without the workers then taking the
  core the next query's encoder needs (measured in ``telusur bench --sections latency``).
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
