"""Settings of the fundus foundation-model chapter (Jang et al. 2024): ``FULL`` = the paper's settings (and our
reading where it is silent), ``REAL`` and ``SMOKE`` = what those profiles change.

Keys
    backbone               timm trunk (``resnet50``; ImageNet weights: ``imagenet`` names the tagged model)
    imagenet               where "ImageNet" weights come from: a timm tag (``full``: torchvision's ImageNet
                           ResNet50, downloaded once by timm), or ``"standin"``: the clearly labelled stand-in,
                           the same trunk pretrained on synthetic non-fundus textures
                           (:mod:`fundus_utils.data.textures`), as nothing may download in smoke/real
    resolutions            the resolution ladder (px): the paper's 256 / 512 / 1024, scaled down in smoke/real
    upstream               the normal-vs-abnormal pretraining: ``dataset`` (the user's upstream table in
                           ``full``; the screening twin elsewhere, ``twin`` its parameters), ``valid_fraction``
                           (patients held out for early stopping), Adam ``lr`` and ``wd``, ``bs``,
                           ``epochs`` (a cap) and early-stopping ``patience`` on the validation loss;
                           ``augment``: probabilities of the paper's horizontal flip, greyscale, blur, CLAHE
                           (our reading: the paper gives none); ``asserted_sizes``: the resolutions whose
                           upstream bars (AUC vs chance) are asserted (None: all)
    standin                the texture task of the ImageNet stand-in: ``n`` pictures at ``size`` px, ``epochs``,
                           ``lr``, ``bs``
"""
FULL = dict(
    backbone="resnet50", imagenet="resnet50.tv_in1k", resolutions=(256, 512, 1024),
    upstream=dict(dataset=None, twin=None, valid_fraction=0.2, lr=1e-5, wd=1e-5, bs=32, epochs=100, patience=10,
                  augment=dict(hflip=0.5, grey=0.1, blur=0.1, clahe=0.1), asserted_sizes=None),
    standin=dict(n=0, size=224, epochs=0, lr=0.0, bs=32),
)

# A screening twin rendered once at the ladder's top size and resized down for each rung; the
# real ladder keeps the paper's factor of two per rung, smoke's is narrower (CPU time). Adam's 1e-5 of the paper barely moves a small,
# freshly initialised trunk in a few epochs: the CPU profiles train at 1e-3 (stated in the chapter).
REAL = dict(
    backbone="resnet_narrow", imagenet="standin", resolutions=(64, 128, 256),
    upstream=dict(dataset="synthetic-screening", twin=dict(n=4000, size=256, seed=11), lr=1e-3, bs=32, epochs=12,
                  patience=3),
    standin=dict(n=2000, size=64, epochs=6, lr=3e-3, bs=64),
)

SMOKE = dict(
    backbone="resnet_narrow", imagenet="standin", resolutions=(32, 48, 64),
    upstream=dict(dataset="synthetic-screening", twin=dict(n=900, size=64, seed=11), lr=1e-3, bs=32, epochs=5,
                  patience=2),
    standin=dict(n=1000, size=48, epochs=3, lr=3e-3, bs=64),
)
