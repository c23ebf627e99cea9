"""Dual-softmax mutual-nearest-neighbour matching and matched subtraction
(BGNet Sec. 3.4, Eq. 13-15, Algorithm 1), dense and memory-bounded."""
from typing import Tuple

import torch
from torch import Tensor

Matches = Tuple[Tensor, Tensor, Tensor, Tensor]  # batch, row, column, P


def _empty(device) -> Matches:
    index = torch.zeros(0, dtype=torch.long, device=device)
    return index, index, index, torch.zeros(0, device=device)


def dense_matches(sample: Tensor,
                  template: Tensor,
                  temperature: float = 0.1,
                  threshold: float = 0.2,
                  mutual: bool = True) -> Matches:
    """Matches of sample tokens (N, L, C) to template tokens (N, S, C).

    BGNet's rule as its code runs it: scores
    ``Sc = <t_S, t_T> / temperature`` (no 1/sqrt(C)), ``P = softmax over
    rows * softmax over columns``, a pair is kept when ``P > threshold`` and
    it is the maximum of its row and (``mutual``) of its column; a row keeps
    its first such column.  Without ``mutual`` (Table 1 S6) the column check
    is dropped: every sample token takes its nearest template token.

    Returns:
        (batch, row, column, P) of the matches, sorted by (batch, row).
    """
    scores = torch.einsum('nlc,nsc->nls', sample, template) / temperature
    prob = scores.softmax(dim=1) * scores.softmax(dim=2)
    mask = (prob > threshold) & (prob == prob.amax(dim=2, keepdim=True))
    if mutual:
        mask &= prob == prob.amax(dim=1, keepdim=True)
    found, column = mask.max(dim=2)
    batch, row = torch.where(found)
    column = column[batch, row]
    return batch, row, column, prob[batch, row, column]


def blocked_matches(sample: Tensor,
                    template: Tensor,
                    temperature: float = 0.1,
                    threshold: float = 0.2,
                    mutual: bool = True,
                    block_rows: int = 1024) -> Matches:
    """:func:`dense_matches` over blocks of ``block_rows`` sample tokens.

    The dense rule keeps four L x S matrices alive (scores, two softmaxes,
    their product): 1 GiB each per image for a 1024 x 1024 input at stride
    8.  Here ``P = exp(2 Sc - r - c)`` with the row
    and column log-normalisers ``r``, ``c`` accumulated over row blocks
    (pass 1), the row and column maxima of P (pass 2), and the selection
    rule applied block by block (pass 3, the same code and shapes as pass 2,
    so the maxima compare bitwise): memory O(N * block_rows * S).  The
    matches equal the dense rule's except where two P values differ by a
    rounding error only (never in float64 on distinct values; exact ties
    are kept as the dense rule keeps them).
    """
    n, length, _ = sample.shape
    blocks = [
        slice(start, min(start + block_rows, length))
        for start in range(0, length, block_rows)
    ]

    def scores(block):
        return torch.einsum('nlc,nsc->nls', sample[:, block],
                            template) / temperature

    rows = sample.new_empty(n, length)
    cols = sample.new_full((n, template.shape[1]), -float('inf'))
    for block in blocks:
        sc = scores(block)
        rows[:, block] = sc.logsumexp(dim=2)
        cols = torch.logaddexp(cols, sc.logsumexp(dim=1))

    def prob(block):
        return (2 * scores(block) - rows[:, block, None] -
                cols[:, None, :]).exp()

    row_max = sample.new_empty(n, length)
    col_max = sample.new_zeros(n, template.shape[1])
    for block in blocks:
        p = prob(block)
        row_max[:, block] = p.amax(dim=2)
        col_max = torch.maximum(col_max, p.amax(dim=1))
    found = []
    for block in blocks:
        p = prob(block)
        mask = (p > threshold) & (p == row_max[:, block, None])
        if mutual:
            mask &= p == col_max[:, None, :]
        hit, column = mask.max(dim=2)
        batch, row = torch.where(hit)
        column = column[batch, row]
        found.append((batch, row + block.start, column, p[batch, row, column]))
    if not found:
        return _empty(sample.device)
    batch, row, column, value = (torch.cat(parts) for parts in zip(*found))
    order = torch.argsort(batch * length + row)
    return batch[order], row[order], column[order], value[order]


@torch.no_grad()
def match_tokens(sample: Tensor,
                 template: Tensor,
                 temperature: float = 0.1,
                 threshold: float = 0.2,
                 mutual: bool = True,
                 memory_budget: int = 2**24) -> Matches:
    """Matches without gradient and in float32 even under autocast (the
    scores reach 1e3-1e4, beyond float16); dense when
    one L x S matrix of the batch fits ``memory_budget`` elements, else
    blocked with rows chosen to fit it."""
    device_type = sample.device.type
    with torch.autocast(device_type=device_type, enabled=False):
        sample, template = sample.float(), template.float()
        n, length, _ = sample.shape
        size = template.shape[1]
        if n * length * size <= memory_budget:
            return dense_matches(sample, template, temperature, threshold,
                                 mutual)
        rows = max(1, memory_budget // (n * size))
        return blocked_matches(sample, template, temperature, threshold,
                               mutual, rows)


def matched_subtraction(sample: Tensor, template: Tensor,
                        matches: Matches) -> Tensor:
    """BGNet Eq. 8 as its code runs it: matched sample tokens become
    ``t_S[i] - t_T[j(i)]``, unmatched ones keep ``t_S[i]``.

    Vectorised (one gather, no loop over matches); the gradient reaches the
    sample everywhere and the template at the matched tokens (summed where
    a template token is matched twice).  Tokens (N, L, C), (N, S, C).
    """
    batch, row, column, _ = matches
    n, length, channels = sample.shape
    index = sample.new_zeros((n, length), dtype=torch.long)
    index[batch, row] = column
    matched = sample.new_zeros((n, length, 1))
    matched[batch, row] = 1
    gathered = template.gather(1, index[..., None].expand(-1, -1, channels))
    return sample - matched * gathered
