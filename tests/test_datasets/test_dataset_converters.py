"""MVTec-AD and PKU-Market-PCB converters on small fakes in the real layouts,
the data set classes that read their output, and the CADNet configs."""
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import DATASETS, MODELS

from mmdefect.datasets.converters import mvtec_ad, pku_pcb
from mmdefect.datasets.mvtec_ad import MVTecADDataset
from mmdefect.datasets.pku_pcb import PKUPCBDataset

MVTEC_CLASSES = MVTecADDataset.METAINFO['classes']
PCB_CLASSES = PKUPCBDataset.METAINFO['classes']
LOAD = [dict(type='LoadDefectImages'), dict(type='LoadDefectAnnotations')]


def read_split(out, name):
    return [
        line.split()
        for line in (out / 'splits' / f'{name}.txt').read_text().splitlines()
    ]


def leftovers(out):
    return sorted(p.name for p in out.parent.glob(out.name + '*'))


def run_tool(repo, name, *args):
    """Run ``tools/dataset_converters/<name>.py`` as a script."""
    return subprocess.run([
        sys.executable, f'tools/dataset_converters/{name}.py', *map(str, args)
    ],
                          cwd=repo,
                          capture_output=True,
                          text=True)


# --------------------------------------------------------------- MVTec-AD
MVTEC_FAKE = dict(  # category: (size, grayscale, defect types)
    bottle=(64, False, ('broken_large', 'contamination')),
    screw=(48, True, ('scratch_head', 'scratch_head')))


def write_fake_mvtec(root, seed=0):
    """2 categories: 3 train/good, 2 test/good, 2 defective, 0/255 masks."""
    rng = np.random.default_rng(seed)
    for category, (size, gray, defect_types) in MVTEC_FAKE.items():
        shape = (size, size) if gray else (size, size, 3)

        def write(rel, img):
            path = root / category / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), img)

        for i in range(3):
            write(f'train/good/{i:03d}.png',
                  rng.integers(0, 256, shape, dtype=np.uint8))
        for i in range(2):
            write(f'test/good/{i:03d}.png',
                  rng.integers(0, 256, shape, dtype=np.uint8))
        counts = {}
        for defect_type in defect_types:
            i = counts.setdefault(defect_type, 0)
            counts[defect_type] += 1
            write(f'test/{defect_type}/{i:03d}.png',
                  rng.integers(0, 256, shape, dtype=np.uint8))
            gt = np.zeros((size, size), np.uint8)
            y, x = rng.integers(0, size - 12, 2)
            gt[y:y + 10, x:x + 8] = 255
            write(f'ground_truth/{defect_type}/{i:03d}_mask.png', gt)
    return root


@pytest.fixture(scope='module')
def mvtec_root(tmp_path_factory):
    return write_fake_mvtec(tmp_path_factory.mktemp('mvtec') / 'mvtec_ad')


@pytest.fixture(scope='module')
def mvtec_out(mvtec_root, tmp_path_factory):
    out = tmp_path_factory.mktemp('mvtec_out') / 'converted'
    mvtec_ad.convert_mvtec(
        mvtec_root, out, categories=list(MVTEC_FAKE), seed=0)
    return out


def test_mvtec_layout_labels_and_templates(mvtec_root, mvtec_out):
    assert (mvtec_out / 'images').is_symlink()
    assert (mvtec_out / 'images').resolve() == mvtec_root.resolve()
    lines = read_split(mvtec_out, 'train') + read_split(mvtec_out, 'test')
    assert len(lines) == 8  # every test image, defective and good
    for sample, template, mask_path in lines:
        _, category, folder, defect_type, name = sample.split('/')
        assert folder == 'test'
        # the template is a train/good image of the same category
        assert template.split('/')[1:4] == [category, 'train', 'good']
        assert mask_path == f'masks/{category}/{defect_type}/{name}'
        mask = cv2.imread(str(mvtec_out / mask_path), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (MVTEC_FAKE[category][0], ) * 2
        if defect_type == 'good':
            assert not mask.any()
        else:
            stem = name[:-len('.png')]
            gt = cv2.imread(
                str(mvtec_root / category / 'ground_truth' / defect_type /
                    f'{stem}_mask.png'), cv2.IMREAD_GRAYSCALE)
            label = MVTEC_CLASSES.index(category)
            np.testing.assert_array_equal(mask, np.where(gt == 255, label, 0))


def test_mvtec_dataset_reads_the_output(mvtec_out):
    seen = set()
    for split in ('train', 'test'):
        dataset = MVTecADDataset(
            data_root=str(mvtec_out),
            ann_file=f'splits/{split}.txt',
            pipeline=LOAD)
        for i in range(len(dataset)):
            item = dataset[i]
            category = item['img_path'].split('/')[-4]
            size = MVTEC_FAKE[category][0]
            assert item['img'].shape == (size, size, 6)
            labels = set(np.unique(item['gt_seg_map']).tolist())
            assert labels <= {0, MVTEC_CLASSES.index(category)}
            seen |= labels
    assert seen == {
        0, MVTEC_CLASSES.index('bottle'),
        MVTEC_CLASSES.index('screw')
    }


def test_mvtec_split_is_a_deterministic_disjoint_70_30(mvtec_root, mvtec_out,
                                                       tmp_path):
    train, test = (read_split(mvtec_out, s) for s in ('train', 'test'))
    assert (len(train), len(test)) == (5, 3)  # floor(0.7 * 8)
    assert not {t[0] for t in train} & {t[0] for t in test}
    again = tmp_path / 'again'
    mvtec_ad.convert_mvtec(
        mvtec_root, again, categories=list(MVTEC_FAKE), seed=0)
    for split in ('train', 'test'):
        assert (again / 'splits' /
                f'{split}.txt').read_text() == (mvtec_out / 'splits' /
                                                f'{split}.txt').read_text()
    other = tmp_path / 'other'
    mvtec_ad.convert_mvtec(
        mvtec_root, other, categories=list(MVTEC_FAKE), seed=1)
    assert read_split(other, 'train') != train


def test_mvtec_include_train_good(mvtec_root, tmp_path):
    out = tmp_path / 'all'
    meta = mvtec_ad.convert_mvtec(
        mvtec_root, out, categories=list(MVTEC_FAKE), include_train_good=True)
    lines = read_split(out, 'train') + read_split(out, 'test')
    assert len(lines) == 14 and meta['splits']['train']['total'] == 9
    train_good = [t for t in lines if '/train/good/' in t[0]]
    assert len(train_good) == 6
    assert all(s != t for s, t, _ in train_good)
    assert all('/train_good/' in m for _, _, m in train_good)


def test_mvtec_cli_writes_what_the_library_writes(repo, mvtec_root, mvtec_out,
                                                  tmp_path):
    out = tmp_path / 'cli'
    run = run_tool(repo, 'mvtec_ad', mvtec_root, out, '--categories',
                   *MVTEC_FAKE)
    assert run.returncode == 0, run.stderr
    assert 'train: 5 samples' in run.stdout
    for split in ('train', 'test'):
        assert (out / 'splits' /
                f'{split}.txt').read_text() == (mvtec_out / 'splits' /
                                                f'{split}.txt').read_text()


def test_mvtec_errors(mvtec_root, mvtec_out, tmp_path):
    broken = tmp_path / 'broken'
    shutil.copytree(mvtec_root, broken)
    good = broken / 'bottle' / 'train' / 'good'
    for template in good.iterdir():
        cv2.imwrite(str(template), np.zeros((32, 32, 3), np.uint8))
    out = tmp_path / 'out'
    with pytest.raises(
            ValueError,
            match=r'is 64x64 but its template .*good/00\d.png is '
            '32x32'):
        mvtec_ad.convert_mvtec(broken, out, categories=['bottle'], seed=0)
    shutil.rmtree(good)
    shutil.copytree(mvtec_root / 'bottle' / 'train' / 'good', good)
    (broken / 'screw' / 'ground_truth' / 'scratch_head' /
     '001_mask.png').unlink()
    with pytest.raises(FileNotFoundError, match='001_mask.png not found'):
        mvtec_ad.convert_mvtec(broken, out, categories=['screw'])
    with pytest.raises(FileNotFoundError, match='cable, capsule'):
        mvtec_ad.convert_mvtec(broken, out)  # all 15 by default
    with pytest.raises(FileExistsError, match='--overwrite'):
        mvtec_ad.convert_mvtec(mvtec_root, mvtec_out, categories=['bottle'])
    with pytest.raises(ValueError, match='outside the data set'):
        mvtec_ad.convert_mvtec(mvtec_root, mvtec_root / 'out')
    assert leftovers(out) == []


# ---------------------------------------------------------- PKU-Market-PCB
BOARD_W, BOARD_H = 1200, 1100
# stem: (defect folder, [(name, 1-based box (xmin, ymin, xmax, ymax),
#                         painted)])
PCB_FAKE = {
    '01_missing_hole_01': ('Missing_hole', [
        ('missing_hole', (101, 121, 160, 170), True),
        ('missing_hole', (1051, 1001, 1110, 1060), True),
        ('missing_hole', (601, 301, 640, 330), False)
    ]),  # no visible change
    '01_short_01': (
        'Short',
        [  # no defect in the tiles at y = 100
            ('short', (41, 41, 100, 80), True),
            ('spur', (951, 61, 1040, 90), True)
        ]),  # cut by the x = 0 tile
}


def voc_xml(name, width, height, objects):
    body = ''.join(
        f'<object><name>{n}</name><pose>Unspecified</pose><truncated>0'
        f'</truncated><difficult>0</difficult><bndbox><xmin>{b[0]}</xmin>'
        f'<ymin>{b[1]}</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox>'
        '</object>' for n, b, _ in objects)
    return (f'<annotation><folder>{name.split("_")[1]}</folder><filename>'
            f'{name}.jpg</filename><size><width>{width}</width><height>'
            f'{height}</height><depth>3</depth></size>{body}</annotation>')


def board_texture(rng):
    """Random 4x4-pixel blocks: any misaligned crop would show."""
    small = rng.integers(
        60, 200, (BOARD_H // 4, BOARD_W // 4, 3), dtype=np.uint8)
    return cv2.resize(
        small, (BOARD_W, BOARD_H), interpolation=cv2.INTER_NEAREST)


def write_fake_pcb(root, seed=0):
    rng = np.random.default_rng(seed)
    board = board_texture(rng)
    (root / 'PCB_USED').mkdir(parents=True)
    cv2.imwrite(
        str(root / 'PCB_USED' / '01.JPG'), board,
        [cv2.IMWRITE_JPEG_QUALITY, 95])
    for stem, (folder, objects) in PCB_FAKE.items():
        sample = board.copy()
        for _, (x0, y0, x1, y1), painted in objects:
            if painted:  # a white blob in the middle of the box
                cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
                cv2.ellipse(sample, (cx, cy), ((x1 - x0) // 4, (y1 - y0) // 4),
                            0, 0, 360, (255, 255, 255), -1)
        for sub, ext, text in (('images', 'jpg', None),
                               ('Annotations', 'xml',
                                voc_xml(stem, BOARD_W, BOARD_H, objects))):
            path = root / sub / folder / f'{stem}.{ext}'
            path.parent.mkdir(parents=True, exist_ok=True)
            if text is None:
                cv2.imwrite(str(path), sample, [cv2.IMWRITE_JPEG_QUALITY, 95])
            else:
                path.write_text(text)
    return root


def painted_core(box):
    """Pixels surely inside the painted blob of a box (0-based, eroded)."""
    x0, y0, x1, y1 = box
    core = np.zeros((BOARD_H, BOARD_W), bool)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    rx, ry = (x1 - x0) // 4 - 3, (y1 - y0) // 4 - 3
    yy, xx = np.mgrid[:BOARD_H, :BOARD_W]
    core[((xx - cx) / rx)**2 + ((yy - cy) / ry)**2 <= 1] = True
    return core


@pytest.fixture(scope='module')
def pcb_root(tmp_path_factory):
    return write_fake_pcb(tmp_path_factory.mktemp('pcb') / 'PCB_DATASET')


@pytest.fixture(scope='module')
def pcb_out(pcb_root, tmp_path_factory):
    out = tmp_path_factory.mktemp('pcb_out') / 'pku_pcb'
    meta = pku_pcb.convert_pcb(pcb_root, out, crop=1000, seed=0)
    return out, meta


def crops_of(out):
    crops = {}
    for split in ('train', 'test'):
        for img, template, mask in read_split(out, split):
            name = img.split('/')[1]
            assert template == f'templates/{name}' and mask == f'masks/{name}'
            stem, y, x = name[:-len('.png')].rsplit('_', 2)
            crops[name] = (split, stem, int(y), int(x))
    return crops


def test_pcb_crops_cover_every_box_and_are_aligned(pcb_root, pcb_out):
    out, _ = pcb_out
    crops = crops_of(out)
    assert sorted(p.name for p in (out / 'images').iterdir()) == sorted(crops)
    # 4 tiles per image; 2 of 01_short_01 hold no defect and are dropped
    assert len(crops) == 6
    board = cv2.imread(str(pcb_root / 'PCB_USED' / '01.JPG'))
    for stem, (folder, objects) in PCB_FAKE.items():
        source = cv2.imread(str(pcb_root / 'images' / folder / f'{stem}.jpg'))
        windows = [(y, x) for _, s, y, x in crops.values() if s == stem]
        for _, (x0, y0, x1, y1), _ in objects:
            assert any(y <= y0 - 1 and y1 <= y + 1000 and x <= x0 -
                       1 and x1 <= x + 1000
                       for y, x in windows), (stem, x0, y0)
        for y, x in windows:
            name = f'{stem}_{y}_{x}.png'
            img = cv2.imread(str(out / 'images' / name))
            template = cv2.imread(str(out / 'templates' / name))
            assert img.shape == template.shape == (1000, 1000, 3)
            np.testing.assert_array_equal(img, source[y:y + 1000, x:x + 1000])
            np.testing.assert_array_equal(template, board[y:y + 1000,
                                                          x:x + 1000])


def test_pcb_masks_and_sample_template_agreement(pcb_root, pcb_out):
    out, meta = pcb_out
    assert meta['boxes'] == 5 and meta['boxes_labelled_as_full_box'] == 1
    for name, (_, stem, y, x) in crops_of(out).items():
        objects = PCB_FAKE[stem][1]
        window = np.s_[y:y + 1000, x:x + 1000]
        mask = cv2.imread(str(out / 'masks' / name), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (1000, 1000) and mask.any()
        allowed = np.zeros((BOARD_H, BOARD_W), np.uint8)
        near = np.zeros((BOARD_H, BOARD_W), bool)
        for label, (x0, y0, x1, y1), painted in objects:
            label = PCB_CLASSES.index(label)
            box = np.s_[y0 - 1:y1, x0 - 1:x1]
            allowed[box] = label
            near[max(y0 - 25, 0):y1 + 24, max(x0 - 25, 0):x1 + 24] = True
            inside = np.zeros_like(near)
            inside[box] = True
            if not inside[window].any():
                continue
            if painted:  # the blob, not the whole box
                assert (mask[painted_core(
                    (x0 - 1, y0 - 1, x1, y1))[window]] == label).all()
                assert (mask[inside[window]] == 0).any()
            else:  # no difference: the whole box
                assert (mask[inside[window]] == label).all()
        assert ((mask == 0) | (mask == allowed[window])).all()  # 0 outside
        img = cv2.imread(str(out / 'images' / name))
        template = cv2.imread(str(out / 'templates' / name))
        # JPEG blocks touching a blob differ; everything else is identical.
        far = ~near[window]
        np.testing.assert_array_equal(img[far], template[far])


def test_pcb_split_by_source_image(pcb_root, pcb_out, tmp_path):
    out, meta = pcb_out
    split_of = {}
    for split, stem, _, _ in crops_of(out).values():
        assert split_of.setdefault(stem, split) == split
    assert sorted(split_of.values()) == ['test', 'train']
    assert meta['splits']['train']['images'] == 1
    again = tmp_path / 'again'
    pku_pcb.convert_pcb(pcb_root, again, seed=0)
    for split in ('train', 'test'):
        assert (again / 'splits' /
                f'{split}.txt').read_text() == (out / 'splits' /
                                                f'{split}.txt').read_text()


def test_pcb_dataset_reads_the_output(pcb_out):
    out, _ = pcb_out
    dataset = PKUPCBDataset(
        data_root=str(out), ann_file='splits/train.txt', pipeline=LOAD)
    item = dataset[0]
    assert item['img'].shape == (1000, 1000, 6)
    assert set(np.unique(item['gt_seg_map'])) - {0} <= set(range(1, 7))


def test_crop_windows_add_a_window_for_a_box_no_tile_holds():
    # tiles start at 0, 750, 1500; the box spans the 750 and 1000 borders
    box = (1, 700, 100, 1020, 180)
    windows, size = pku_pcb.crop_windows(2500, 2500, 1000, [box])
    assert size == (1000, 1000) and len(windows) == 10
    y, x = windows[-1]
    assert x <= 700 and 1020 <= x + 1000 and y <= 100 and 180 <= y + 1000
    windows, size = pku_pcb.crop_windows(600, 2500, 1000, [box])
    assert size == (600, 1000) and all(y == 0 for y, _ in windows)


@pytest.mark.parametrize('overwrite', [False, True])
def test_pcb_interruption_leaves_nothing(pcb_root, tmp_path, monkeypatch,
                                         overwrite):
    out = tmp_path / 'pku_pcb'
    if overwrite:
        out.mkdir()
        (out / 'old').write_text('kept')
    calls = []
    write = pku_pcb.imwrite

    def interrupted(path, img):
        calls.append(path)
        if len(calls) == 4:
            raise KeyboardInterrupt
        write(path, img)

    monkeypatch.setattr(pku_pcb, 'imwrite', interrupted)
    with pytest.raises(KeyboardInterrupt):
        pku_pcb.convert_pcb(pcb_root, out, overwrite=overwrite)
    assert len(calls) == 4
    if overwrite:
        assert leftovers(out) == ['pku_pcb']
        assert [p.name for p in out.iterdir()] == ['old']
    else:
        assert leftovers(out) == []


def test_pcb_errors(pcb_root, tmp_path):
    out = tmp_path / 'out'
    root = tmp_path / 'PCB_DATASET'
    shutil.copytree(pcb_root, root)
    xml = root / 'Annotations' / 'Short' / '01_short_01.xml'
    xml.write_text(voc_xml('01_short_01', BOARD_W, BOARD_H, []))
    with pytest.raises(ValueError, match='01_short_01.xml holds no'):
        pku_pcb.convert_pcb(root, out)
    shutil.copy(pcb_root / 'Annotations' / 'Short' / '01_short_01.xml', xml)
    jpg = root / 'images' / 'Short' / '01_short_01.jpg'
    jpg.write_bytes(b'not a jpeg')
    with pytest.raises(ValueError, match='cannot read image .*01_short_01'):
        pku_pcb.convert_pcb(root, out)
    assert leftovers(out) == []  # failed mid-way: staging removed
    (root / 'PCB_USED' / '01.JPG').rename(root / 'PCB_USED' / '02.JPG')
    with pytest.raises(FileNotFoundError, match=r'PCB_USED/01\.JPG not found'):
        pku_pcb.convert_pcb(root, out)
    (root / 'PCB_USED' / '02.JPG').rename(root / 'PCB_USED' / '01.JPG')
    cv2.imwrite(
        str(root / 'PCB_USED' / '01.JPG'),
        np.zeros((BOARD_H, BOARD_W - 8, 3), np.uint8))
    with pytest.raises(ValueError, match='01.JPG is 1192x1100'):
        pku_pcb.convert_pcb(root, out)
    shutil.rmtree(root / 'Annotations')
    (root / 'Annotations' / 'Short').mkdir(parents=True)
    with pytest.raises(ValueError, match='holds no \\*.xml'):
        pku_pcb.convert_pcb(root, out)
    assert leftovers(out) == []


def test_pcb_cli_names_the_missing_board(repo, pcb_root, tmp_path):
    root = tmp_path / 'PCB_DATASET'
    shutil.copytree(pcb_root, root, ignore=shutil.ignore_patterns('*.JPG'))
    run = run_tool(repo, 'pku_pcb', root, tmp_path / 'out')
    assert run.returncode == 2
    assert 'template board' in run.stderr
    assert leftovers(tmp_path / 'out') == []


# ----------------------------------------------------------------- configs
@pytest.mark.parametrize('name, dataset, num_classes',
                         [('pku-pcb', 'PKUPCBDataset', 7),
                          ('mvtec-ad', 'MVTecADDataset', 16)])
def test_cadnet_configs_build_and_run(repo, name, dataset, num_classes):
    # tests/test_configs.py trains every config for two iterations; this
    # checks what the data set switch changes.
    cfg = Config.fromfile(f'{repo}/configs/cadnet/cadnet_{name}.py')
    assert cfg.train_dataloader.dataset.type == dataset
    assert cfg.test_dataloader.dataset.type == dataset
    assert cfg.train_cfg.max_iters == 126000
    model = MODELS.build(cfg.model).eval()
    torch.manual_seed(0)
    with torch.no_grad():  # a normalised 64x64 sample/template pair
        logits = model(torch.randn(1, 6, 64, 64), mode='tensor')
    assert logits.shape[:2] == (1, num_classes)


@pytest.mark.parametrize('name', ['pku-pcb', 'mvtec-ad'])
def test_dataset_configs_run_their_pipelines_on_converted_data(
        repo, name, mvtec_out, pcb_out):
    cfg = Config.fromfile(f'{repo}/configs/_base_/datasets/{name}.py')
    out = pcb_out[0] if name == 'pku-pcb' else mvtec_out
    # The tiny PCB set trains on one source image, too few to hold out a
    # validation part (its crops stay together): the test pipeline runs on
    # the test split.
    for loader in ('train_dataloader', 'test_dataloader'):
        dataset = DATASETS.build(
            dict(cfg[loader].dataset, data_root=str(out), holdout=None))
        packed = dataset[0]
        assert packed['inputs'].shape[0] == 6
        if loader == 'train_dataloader':
            assert packed['inputs'].shape[1:] == (512, 512)
            assert packed['data_samples'].gt_sem_seg.data.shape[1:] == (512,
                                                                        512)
    tta = DATASETS.build(
        dict(
            cfg.test_dataloader.dataset,
            data_root=str(out),
            pipeline=cfg.tta_pipeline))
    assert len(tta[0]['inputs']) == 4  # two scales x two flips
