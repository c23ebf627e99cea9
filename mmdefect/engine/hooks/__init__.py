from .invalid_loss_hook import InvalidLossHook

__all__ = ['InvalidLossHook']
