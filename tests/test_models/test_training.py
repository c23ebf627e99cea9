"""A few real optimisation steps lower the loss of each paired model."""
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmseg.registry import DATASETS, MODELS

CONFIGS = {
    'cadnet': 'configs/cadnet/cadnet_synlcd-quickstart.py',
    'siamese_r18': 'configs/baselines/siamese_r18_unet_synlcd-512.py',
}


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_training_steps_lower_the_loss(repo, paired_root, name):
    cfg = Config.fromfile(f'{repo}/{CONFIGS[name]}')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    dataset_cfg = cfg.train_dataloader.dataset
    # The tiny 64x64 data at its own size (the 512 configs would resize).
    dataset_cfg.update(
        data_root=str(paired_root),
        pipeline=[
            dict(type='LoadDefectImages'),
            dict(type='LoadDefectAnnotations'),
            dict(type='PackDefectInputs')
        ])
    dataset = DATASETS.build(dataset_cfg)
    data = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(4)]), True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    history = []
    for _ in range(15):
        losses = model.loss(**data)
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    assert sum(history[-3:]) / 3 < 0.7 * sum(history[:3]) / 3, history
