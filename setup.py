from setuptools import find_packages, setup


def read_version():
    scope = {}
    with open('mmdefect/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmdefect',
    version=read_version(),
    description='Template-comparison surface-defect segmentation for '
    'mmsegmentation 1.x (CADNet, BANet, BGNet, LSA-Net, MFFPA)',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmdefect', 'mmdefect.*']),
    python_requires='>=3.9',
    install_requires=[
        'mmengine==0.10.7', 'mmsegmentation==1.2.2', 'mmpretrain==1.2.0',
        'mmcv==2.1.0', 'torch', 'torchvision', 'opencv-python', 'numpy',
        'scipy', 'scikit-image', 'scikit-learn', 'threadpoolctl', 'pillow',
        'ftfy', 'regex'
    ],
    extras_require=dict(deploy=['onnx', 'onnxruntime']),
    license='Apache-2.0',
)
