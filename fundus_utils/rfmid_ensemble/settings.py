"""Settings of the RFMiD-ensemble chapter: ``FULL`` = the paper's settings (and our reading where
it is silent), ``REAL`` and ``SMOKE`` = what those profiles change. :func:`fundus_utils.config.load`
merges them (dict values key by key).

Keys
    dataset, twin          the sample table: a registered dataset name; ``twin`` = the synthetic
                           twin's parameters when ``dataset`` is one
    labels_dataset         the dataset whose training labels give Table 1 and Figs. 3-4 (notebook 01;
                           the real RFMiD label CSV in every profile when present)
    image_size             network input (px), square
    vgg, resnet            timm names of the two base models (``tv_in1k``: torchvision's ImageNet
                           weights, as Keras/torchvision users of 2022 had); ``pretrained`` loads them
    bs, folds, seeds       batch size; bagging folds (the paper's 5); seeds
    focal_gamma            the focal loss's gamma; its alpha is set per class from the training
                           frequencies (:func:`fundus_utils.train.losses.class_alpha`)
    frozen, finetune       the two training phases: the frozen-backbone phase (Adam, lr reduced x0.1
                           on plateau, ``patience``, down to ``min_lr``), then the full fine-tuning with
                           early stopping (``patience``) keeping the best validation-loss model;
                           ``epochs`` caps each phase
    fusion                 G = w1 G1 + w2 G2 (VGG, ResNet50): the paper's 0.6 / 0.4
    crop_source            the size (px) of the pictures the crops are cut from before they are
                           resized to ``image_size`` (the paper crops the photograph)
    equal_steps            an arm with crops trains proportionally fewer epochs (same optimiser steps
                           as the originals-only arm), so that the crops are not credited with more
                           training
    parallel_runs          stage-2 networks trained side by side, one core each (``fundus_utils.parallel``)
    cam                    the crop module: ``method`` (the paper's Guided Grad-CAM), ``theta`` (the
                           threshold on [0, 255], not given by the paper), ``theta_sweep``,
                           ``min_prob`` (the classes counted as predicted)
    augment                the paper's augmentations: brightness, contrast, gamma, saturation,
                           crop (scale range), rotation (degrees), horizontal flip
    cam_study              the CAM-method comparison (notebook 07, beyond the paper): ``methods``,
                           ``pictures`` (a seeded random subset of the test pictures with a lesion:
                           Score-CAM and ROAD are costly; None = all), ``road_percentiles``
    min_positives          a label with fewer positives in a test set is reported "too few", not scored
    common_positives       a category with at least this many test positives is "common": its bar
                           (AUC against a prevalence-only score) is asserted, as is the mean AUC's
    reported_bars          categories whose bars a profile shows but does not assert (see SMOKE)
    threads                CPU threads (None = all)
    cpu_channels_last      channels_last memory format on a CPU too (always on a GPU)
"""
FULL = dict(
    dataset="RFMiD", twin=None, labels_dataset="RFMiD", image_size=224, vgg="vgg16.tv_in1k",
    resnet="resnet50.tv_in1k", pretrained=True, bs=32, folds=5, seeds=(0,), focal_gamma=2.0,
    frozen=dict(epochs=50, lr=1e-4, factor=0.1, patience=8, min_lr=1e-7),
    finetune=dict(epochs=100, lr=1e-5, patience=20, schedule="constant"),
    fusion=(0.6, 0.4), crop_source=448, equal_steps=False, parallel_runs=1,
    cam=dict(method="guided_gradcam", theta=128, theta_sweep=(64, 96, 128, 160, 192), min_prob=0.5),
    cam_study=dict(methods=("gradcam", "gradcam++", "hirescam", "scorecam", "eigencam", "guided_gradcam"),
                   pictures=None, road_percentiles=(20, 40, 60, 80)),
    augment=dict(brightness=0.2, contrast=0.2, gamma=(0.8, 1.25), saturation=0.2, crop=(0.8, 1.0), rotation=15.0,
                 hflip=True),
    pool_splits=("train",), min_positives=5, common_positives=20, reported_bars=(), threads=None,
    cpu_channels_last=False,
)

# No RFMiD images in this project's data (its labels CSV only): the labels give Table 1 and
# Figs. 3-4; training needs the images (the `full` profile on a copy of the dataset).
REAL = dict()

# The RFMiD twin (labels at the real training frequencies, lesion masks), narrow VGG / ResNet
# trunks from scratch, one-cycle fine-tuning only (no frozen phase without pretrained weights).
# 1000 pictures (pool 791, test 209: the common categories get 20-40 test positives), 64 px,
# 20 epochs (at 10 the stage-1 VGG's mean AUC was 0.546 [CI lower end -0.011 against chance]).
# reported_bars: optic-disc cupping is a larger cup in a disc about 6 px across at 64 px; the
# smoke stage-1 VGG does not resolve it (seed 0: ODC AUC 0.584, gain CI [-0.061, +0.222]),
# so its bar is shown, not asserted; every other common category's is.
# Stage 2 trains 11 more networks: two side by side (one core each), each arm in the same
# number of steps; channels_last: ResNet fit 41 s instead of 50 s, VGG unchanged (measured).
# The CAM study scores 40 of the ~95 test pictures with a lesion: Score-CAM took 84 s for all of
# them and ROAD (4 percentiles) 74 s for 64, on one core.
SMOKE = dict(
    dataset="synthetic-rfmid", twin=dict(n=1000, size=128, seed=7, k_folds=5), image_size=64,
    vgg="vgg_narrow", resnet="resnet_narrow", pretrained=False, bs=32, folds=2, pool_splits=("train", "val"),
    finetune=dict(epochs=20, lr=3e-3, patience=20, schedule="one_cycle"), reported_bars=("ODC",), threads=1,
    crop_source=128, equal_steps=True, parallel_runs=2, cpu_channels_last=True,
    cam_study=dict(pictures=40, road_percentiles=(20, 50, 80)),
)
