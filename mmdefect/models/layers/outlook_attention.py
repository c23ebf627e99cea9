"""Outlook attention (Yuan et al., "VOLO", TPAMI 2022), MFFPA's fusion
attention (Sec. 3.1, Eqs. 1-3)."""
from torch import Tensor, nn
from torch.nn import functional as F


class OutlookAttention(nn.Module):
    """Every pixel predicts the attention of its k x k window directly
    from its own feature, and the windows' outputs are summed back.

    For each pixel ``i`` and head, a linear layer maps the feature at ``i``
    to a (k^2 x k^2) matrix, softmax-normalised over its last axis (the
    k^2 source positions of the window centred at ``i``, scaled by
    ``head_dim ** -0.5``); it mixes the window's values ``v`` (a linear map
    of the input) into k^2 outputs, one per window position, which
    ``F.fold`` adds up where windows overlap; a linear projection follows.
    MFFPA uses it with stride 1 and no norm, MLP or residual (256 channels,
    4 heads, k = 3; 4 heads is the only count that matches Table 9).

    Args:
        channels (int): Input (= output) channels.
        num_heads (int): Heads; must divide ``channels``.
        kernel_size (int): Window side k (odd).  Defaults to 3.
        residual (bool): Add the input to the output.  Defaults to False.
    """

    def __init__(self,
                 channels: int,
                 num_heads: int = 4,
                 kernel_size: int = 3,
                 residual: bool = False) -> None:
        super().__init__()
        if channels % num_heads or kernel_size % 2 == 0:
            raise ValueError(f'num_heads ({num_heads}) must divide channels '
                             f'({channels}) and kernel_size ({kernel_size}) '
                             'must be odd')
        self.num_heads = num_heads
        self.kernel_size = kernel_size
        self.residual = residual
        self.scale = (channels // num_heads)**-0.5
        self.value = nn.Linear(channels, channels, bias=False)
        self.attn = nn.Linear(channels, num_heads * kernel_size**4)
        self.proj = nn.Linear(channels, channels)

    def window_attention(self, x: Tensor) -> Tensor:
        """Attention of every pixel's window, (N, heads, H*W, k^2, k^2);
        each row sums to 1 over the k^2 source positions."""
        n, _, h, w = x.shape
        kk = self.kernel_size**2
        logits = self.attn(x.permute(0, 2, 3,
                                     1)).view(n, h * w, self.num_heads, kk,
                                              kk).transpose(1, 2)
        return F.softmax(logits * self.scale, dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        k, kk = self.kernel_size, self.kernel_size**2
        value = self.value(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        windows = F.unfold(value, k, padding=k // 2)  # (N, C*kk, HW)
        windows = windows.view(n, self.num_heads, c // self.num_heads, kk,
                               h * w).permute(0, 1, 4, 3, 2)
        out = self.window_attention(x) @ windows  # (N, heads, HW, kk, d)
        out = out.permute(0, 1, 4, 3, 2).reshape(n, c * kk, h * w)
        out = F.fold(out, (h, w), k, padding=k // 2)
        out = self.proj(out.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return out + x if self.residual else out
