"""Inference on defect images outside the Runner, for every model."""
import copy
import os.path as osp
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Sequence, Union

import mmcv
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import FUNCTIONS
from mmseg.apis import MMSegInferencer
from mmseg.registry import DATASETS, MODELS
from mmseg.structures import SegDataSample
from torch import nn

from mmdefect.datasets.transforms import read_image, with_registration
from mmdefect.evaluation.calibration import apply_operating_point
from mmdefect.models.segmentors import heat_maps
from mmdefect.utils import (apply_color_type, load_weights, setup_runtime,
                            write_png)

Image = Union[str, Path, np.ndarray]
#: One input: an image, a ``(sample, template)`` pair, or a data-info dict
#: (``img_path``/``img``, ``template_path``/``template``, ``seg_map_path``,
#: ``gt_label``).
InputItem = Union[Image, Sequence[Image], dict]

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
# Transforms that read files or ground truth; images are loaded by
# LoadDefectImages, annotations only for inputs that list them.
_LOADERS = ('LoadImageFromFile', 'LoadImageFromNDArray', 'InferencerLoader',
            'LoadDefectImages')
_ANNOTATION = ('LoadAnnotations', 'LoadDefectAnnotations', 'GenerateEdgeMap',
               'GenerateLocationMap')


class DefectInferencer(MMSegInferencer):
    """mmseg's ``MMSegInferencer`` for paired and single-image defect models.

    Inputs (one, or a list of them):

    * a single image (path or H x W x 3 BGR uint8 array) for single-image
      models; a ``[sample, template]`` pair for paired models (a model
      whose ``DefectDataPreProcessor`` has ``num_images=2``), so a list of
      two images given to a paired model is one pair;
    * a data-info dict as the datasets make them; with ``seg_map_path`` or
      ``gt_label`` the annotations are loaded too (mapped and validated as
      in testing) and the panels show the ground truth and the errors;
    * a folder: ``sample/``, ``template/`` and ``mask/`` sub-folders with
      the same file names (or the folder itself holding the samples);
    * a list file or a ``.json`` annotation file in the format of the
      model's test dataset (``DefectDataset``), paths relative to its folder.

    Every input goes through the model's test pipeline and data
    preprocessor, as in ``tools/test.py``; consecutive inputs of one size
    are batched (``batch_size``).  Results are read from the data samples
    the model predicts: ``pred_sem_seg``, ``seg_logits``, ``pred_score``
    (image-level defect probability) and the heat maps ``pred_<name>``.
    Without ``return_datasamples``, each prediction is a dict with
    ``sem_seg`` ((H, W) class indices), ``score``, ``label`` (the decision,
    1 defective, at the checkpoint's operating point) and one (H, W) array
    per heat map; ``out_dir`` receives ``pred/<stem>.png`` masks and, with
    the visualizer's panels, ``vis/<stem>.png``.

    Building one calls :func:`~mmdefect.utils.setup_runtime` (checkpoint
    loading, registries).  The caller keeps the inferencer for as long as
    it predicts: it holds the model, the test pipeline and the visualizer.

    Args:
        model (str | Path | Config | nn.Module): Config (file) of the model,
            or a model built by ``init_model``, which is used as it is.
        weights (str, optional): Checkpoint.  Random weights if None.
        device (str, optional): Device.  Defaults to CUDA if available.
        cfg_options (dict, optional): Overrides merged into the config.
        show_progress (bool): Show a progress bar.  Defaults to False.
        threshold (float, optional): Decide pixels and images at this
            threshold instead of the checkpoint's calibrated operating
            point (see :func:`build_model`).
        register (bool | dict): Register every template to its sample
            before the model sees the pair (``RegisterTemplate``, with
            the dict's arguments): pixels outside the warped template are
            not flagged, a pair that does not register raises
            ``RegistrationError`` naming it.  Defaults to False.
    """

    def __init__(self,
                 model: Union[str, Path, Config, nn.Module],
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 cfg_options: Optional[dict] = None,
                 show_progress: bool = False,
                 threshold: Optional[float] = None,
                 register: Union[bool, dict] = False) -> None:
        setup_runtime()
        self.threshold = threshold
        self._given_model = model if isinstance(model, nn.Module) else None
        if self._given_model is not None:
            if getattr(model, 'cfg', None) is None:
                raise AttributeError(
                    'the model has no cfg attribute; build it with '
                    'mmdefect.apis.init_model, or set model.cfg to its config')
            model = model.cfg
        cfg = load_config(model, cfg_options)
        if register:
            dataset = cfg.test_dataloader.dataset
            dataset.pipeline = with_registration(
                dataset.pipeline,
                **(register if isinstance(register, dict) else {}))
        super().__init__(
            cfg,
            weights,
            device=device,
            scope=cfg.get('default_scope', 'mmseg'))
        self.show_progress = show_progress

    @property
    def paired(self) -> bool:
        """Whether the model compares each sample with a template."""
        return getattr(self.model.data_preprocessor, 'num_images', 1) == 2

    # -- model and pipeline ------------------------------------------------

    def _init_model(self, cfg: Config, weights: Optional[str],
                    device: str) -> nn.Module:
        if self._given_model is not None:
            if self.threshold is not None:
                apply_operating_point(
                    self._given_model.cfg, None, threshold=self.threshold)
                self._given_model.test_cfg = \
                    self._given_model.cfg.model.test_cfg
            return self._given_model
        return build_model(cfg, weights, device, self.threshold)

    def _init_collate(self, cfg: Config) -> Callable:
        """The test dataloader's collate function (mmengine's
        ``pseudo_collate`` by default), looked up as the Runner does: in
        mmengine's function registry, which mmseg has no child of (the
        base class searches for one and warns)."""
        collate_cfg = dict(
            cfg.test_dataloader.get('collate_fn', dict(type='pseudo_collate')))
        name = collate_cfg.pop('type')
        collate_fn = FUNCTIONS.get(name) if isinstance(name, str) else name
        if collate_fn is None:
            raise KeyError(f'test_dataloader.collate_fn: no function {name!r} '
                           'in mmengine\'s FUNCTIONS registry')
        if collate_cfg:
            collate_fn = partial(collate_fn, **collate_cfg)
        return collate_fn

    def _init_visualizer(self, cfg: Config):
        """The config's visualizer without its storage backends:
        :meth:`visualize` writes the panels to ``out_dir`` itself, and a
        ``LocalVisBackend`` without a folder would only be refused with a
        warning."""
        if 'visualizer' in cfg:
            cfg.visualizer.vis_backends = []
        return super()._init_visualizer(cfg)

    def _init_pipeline(self, cfg: Config) -> Compose:
        """The test pipeline without annotations (inputs without them);
        ``annotated_pipeline`` keeps them."""
        transforms = []
        for transform in cfg.test_dataloader.dataset.pipeline:
            if transform['type'] in _LOADERS:
                transform = dict(transform, type='LoadDefectImages')
            transforms.append(transform)
        if not any(t['type'] == 'LoadDefectImages' for t in transforms):
            raise ValueError('the test pipeline of the config loads no image')
        self.annotated_pipeline = Compose(transforms)
        return Compose([t for t in transforms if t['type'] not in _ANNOTATION])

    # -- inputs ------------------------------------------------------------

    def dataset_items(self,
                      source: str,
                      root: Optional[str] = None,
                      template_dir: Optional[str] = None) -> List[dict]:
        """Data infos of a list file, annotation file or folder.

        Parsed by the model's test dataset class with its settings
        (``columns``, ``mask_value_map``, ...), without checking files (a
        missing file fails when its input is loaded).

        Args:
            source (str): List file (paths relative to ``root``, by default
                its folder), ``.json`` annotation file, or folder (see the
                class docstring).
            root (str, optional): Folder the list file's paths are relative
                to.
            template_dir (str, optional): Templates of a folder input, named
                like the samples, when they are not in ``template/``.
        """
        dataset_cfg = dict(self.cfg.test_dataloader.dataset)
        dataset_cfg.update(
            pipeline=[],
            check_files=False,
            test_mode=True,
            serialize_data=False,
            label_fraction=None)
        if osp.isdir(source):
            samples = osp.join(source, 'sample')
            prefix = dict(img_path=samples if osp.isdir(samples) else source)
            for key, sub in (('template_path', 'template'), ('seg_map_path',
                                                             'mask')):
                if osp.isdir(osp.join(source, sub)):
                    prefix[key] = osp.join(source, sub)
            if template_dir is not None:
                prefix['template_path'] = template_dir
            dataset_cfg.update(
                ann_file='',
                data_root=None,
                data_prefix=prefix,
                img_suffix=IMAGE_SUFFIXES)
        elif osp.isfile(source):
            dataset_cfg.update(
                ann_file=osp.abspath(source),
                data_root=root or osp.dirname(osp.abspath(source)))
        else:
            raise FileNotFoundError(f'{source} is neither a folder nor a '
                                    'list or annotation file')
        dataset = DATASETS.build(dataset_cfg)
        return [dataset.get_data_info(i) for i in range(len(dataset))]

    def _inputs_to_list(self, inputs) -> List[dict]:
        if isinstance(inputs, (str, Path)) and (osp.isdir(inputs)
                                                or str(inputs).endswith(
                                                    ('.txt', '.json'))):
            return self.dataset_items(str(inputs))
        one_pair = self.paired and isinstance(
            inputs, (list, tuple)) and len(inputs) == 2 and all(
                isinstance(i, (str, Path, np.ndarray)) for i in inputs)
        if one_pair or not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        return [self._as_info(item) for item in inputs]

    def _as_info(self, item: InputItem) -> dict:
        """A data-info dict from one input."""
        if isinstance(item, dict):
            info = dict(item)
        elif isinstance(item, (list, tuple)):
            if len(item) != 2:
                raise ValueError('a pair input is [sample, template], got '
                                 f'{len(item)} items')
            info = {
                **_image_field(item[0], 'img'),
                **_image_field(item[1], 'template')
            }
        else:
            info = _image_field(item, 'img')
        has_template = 'template' in info or 'template_path' in info
        if self.paired and not has_template:
            raise ValueError(
                'this model compares each sample with a defect-free template'
                f' (DefectDataPreProcessor num_images=2): give '
                f'{_describe(info)} as [sample, template]')
        if not self.paired and has_template:
            raise ValueError('this model segments the sample alone: give '
                             f'{_describe(info)} without a template')
        info.setdefault('seg_fields', [])
        return info

    # -- preprocess / forward -------------------------------------------------

    def preprocess(self, inputs: List[dict], batch_size: int = 1, **kwargs):
        """Run the pipelines; yield collated batches of one image size."""
        batch: List[dict] = []
        for info in inputs:
            annotated = ('seg_map_path' in info or 'gt_label' in info)
            pipeline = (
                self.annotated_pipeline if annotated else self.pipeline)
            packed = pipeline(copy.copy(info))
            if batch and (len(batch) == batch_size or packed['inputs'].shape
                          != batch[0]['inputs'].shape):
                yield self.collate_fn(batch)
                batch = []
            batch.append(packed)
        if batch:
            yield self.collate_fn(batch)

    # -- outputs -------------------------------------------------------------

    def visualize(self,
                  inputs: List[dict],
                  preds: List[SegDataSample],
                  return_vis: bool = False,
                  show: bool = False,
                  wait_time: int = 0,
                  img_out_dir: str = '',
                  opacity: float = 0.8,
                  with_labels: Optional[bool] = True) -> List[np.ndarray]:
        """Panels of :class:`~mmdefect.visualization.DefectVisualizer`."""
        if not show and img_out_dir == '' and not return_vis:
            return None
        self.visualizer.set_dataset_meta(**self.model.dataset_meta)
        self.visualizer.alpha = opacity
        panels = []
        for info, pred in zip(inputs, preds):
            image = mmcv.bgr2rgb(_image(info, 'img'))
            if 'template' in info or 'template_path' in info:
                image = np.concatenate(
                    [image, mmcv.bgr2rgb(_image(info, 'template'))], axis=2)
            self.visualizer.add_datasample(
                self._stem(info),
                image,
                pred,
                draw_gt='gt_sem_seg' in pred,
                show=show,
                wait_time=wait_time,
                with_labels=with_labels)
            panel = self.visualizer.get_image()
            if img_out_dir:
                write_png(
                    osp.join(img_out_dir,
                             self._stem(info) + '.png'), mmcv.rgb2bgr(panel))
            panels.append(panel)
            self.num_visualized_imgs += 1
        return panels if return_vis else None

    def postprocess(self,
                    preds: List[SegDataSample],
                    visualization: Optional[List[np.ndarray]],
                    return_datasample: bool = False,
                    pred_out_dir: str = '') -> dict:
        """Predictions as dicts (or the data samples); masks to
        ``pred_out_dir``."""
        results = []
        for pred in preds:
            mask = pred.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
            if pred_out_dir:
                stem = self._stem(pred.metainfo)
                write_png(osp.join(pred_out_dir, stem + '.png'), mask)
            results.append(
                dict(
                    sem_seg=mask,
                    score=float(pred.pred_score),
                    label=int(pred.pred_label),
                    **{
                        name: values.cpu().numpy()
                        for name, values in heat_maps(pred).items()
                    }))
            self.num_pred_imgs += 1
        return dict(
            predictions=preds if return_datasample else results,
            visualization=visualization or [])

    def _stem(self, info: dict) -> str:
        path = info.get('img_path')
        if path:
            return osp.splitext(osp.basename(path))[0]
        return f'{self.num_pred_imgs:08d}'

    # -- for tools -----------------------------------------------------------

    def prepare(self, inputs: Iterable[InputItem]) -> dict:
        """The collated test batch of ``inputs`` (one image size), before
        the data preprocessor."""
        infos = [self._as_info(item) for item in inputs]
        batches = list(self.preprocess(infos, batch_size=len(infos)))
        if len(batches) != 1:
            raise ValueError('the inputs come out of the test pipeline with '
                             'different sizes')
        return batches[0]


def load_config(config: Union[str, Path, Config],
                cfg_options: Optional[dict] = None) -> Config:
    """A copy of ``config`` (a file or a Config) with ``cfg_options``
    merged and its ``color_type`` applied
    (:func:`~mmdefect.utils.apply_color_type`)."""
    if isinstance(config, (str, Path)):
        cfg = Config.fromfile(str(config))
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError('expected a config file, a Config or a model built '
                        f'by init_model, got {type(config)}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return apply_color_type(cfg)


def build_model(cfg: Config,
                weights: Optional[str] = None,
                device: str = 'cpu',
                threshold: Optional[float] = None) -> nn.Module:
    """The model of ``cfg`` in eval mode on ``device``, with the complete
    weights of ``weights`` (random if None).

    ``model.cfg`` keeps the config and ``model.dataset_meta`` the class
    names and palette: the checkpoint's ``meta['dataset_meta']``, else the
    config's test dataset class's.  The model decides at the checkpoint's
    calibrated operating point (``meta['calibration']``, see
    ``tools/calibrate.py``), at ``threshold`` where given, else at 0.5.
    """
    cfg.model.train_cfg = None
    model = MODELS.build(cfg.model)
    dataset_meta = record = None
    if weights is not None:
        checkpoint = load_weights(model, weights)
        meta = checkpoint.get('meta') or {}
        dataset_meta, record = meta.get('dataset_meta'), meta.get(
            'calibration')
    if weights is not None or threshold is not None:
        apply_operating_point(cfg, record, f'checkpoint {weights}', threshold)
        model.test_cfg = cfg.model.test_cfg
    model.dataset_meta = _class_meta(dataset_meta, cfg,
                                     model.decode_head.num_classes)
    model.cfg = cfg
    model.to(device)
    model.eval()
    return model


def _image_field(image: Image, role: str) -> dict:
    """``{role}_path`` for a path, ``{role}`` for an array."""
    if isinstance(image, (str, Path)):
        return {f'{role}_path': str(image)}
    if isinstance(image, np.ndarray):
        return {role: image}
    raise TypeError(f'an image must be a path or an H x W x 3 array, got '
                    f'{type(image)}')


def _image(info: dict, role: str) -> np.ndarray:
    """The BGR image of ``role`` ('img' or 'template') of a data info."""
    if role in info:
        return info[role]
    return read_image(info[f'{role}_path'])


def _describe(info: dict) -> str:
    return info.get('img_path') or 'the sample'


def _class_meta(dataset_meta: Optional[dict], cfg: Config,
                num_classes: int) -> dict:
    """Classes and palette: the checkpoint's, else the config's test dataset
    class's, else numbered classes with a fixed random palette."""
    if dataset_meta and dataset_meta.get('classes'):
        return dict(
            classes=tuple(dataset_meta['classes']),
            palette=[list(p) for p in dataset_meta['palette']])
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    metainfo = dict(dataset.get('metainfo') or {})
    if dataset.get('type'):
        metainfo = {**DATASETS.get(dataset['type']).METAINFO, **metainfo}
    classes = tuple(metainfo.get('classes', ()))
    palette = metainfo.get('palette')
    if len(classes) != num_classes:
        classes = tuple(f'class{i}' for i in range(num_classes))
        palette = None
    if not palette or len(palette) < num_classes:
        rng = np.random.default_rng(42)
        palette = [[0, 0, 0]] + rng.integers(64, 256,
                                             (num_classes - 1, 3)).tolist()
    return dict(classes=classes, palette=[list(p) for p in palette])


def probabilities(pred: SegDataSample) -> torch.Tensor:
    """(C, H, W) class probabilities of a prediction (C = 1: the defect
    probability of a one-channel head)."""
    logits = pred.seg_logits.data.float()
    return logits if logits.shape[0] == 1 else logits.softmax(dim=0)
