"""The foundation models' ResNet (Jang et al. 2024): the authors' head, linear probing, checkpoints."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from fundus_utils.models import create_model
from fundus_utils.models.foundation_resnet import convert_authors_checkpoint, load_trunk


def _narrow(num_classes: int = 2):
    return create_model("foundation_resnet", backbone="resnet_narrow", num_classes=num_classes)


def test_head_is_the_authors_two_layer_head():
    model = _narrow(7)
    kinds = [type(m) for m in model.head]
    assert kinds == [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Linear]
    assert model.head[0].in_features == model.feature_dim == 128 and model.head[0].out_features == 512
    assert model(torch.rand(4, 3, 32, 32)).shape == (4, 7)


def test_linear_probe_trains_the_head_only_and_keeps_batchnorm_statistics():
    torch.manual_seed(0)
    model = _narrow().linear_probe()
    trunk_before = {k: v.clone() for k, v in model.trunk.state_dict().items()}  # BN running stats included
    head_before = model.head[0].weight.clone()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    model.train()
    assert not model.trunk.training and model.head.training
    for _ in range(3):
        loss = nn.functional.cross_entropy(model(torch.rand(8, 3, 32, 32)), torch.randint(0, 2, (8,)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    for k, v in model.trunk.state_dict().items():
        assert torch.equal(v, trunk_before[k]), k
    assert not torch.equal(model.head[0].weight, head_before)
    model.linear_probe(False).train()
    assert model.trunk.training and all(p.requires_grad for p in model.trunk.parameters())


def test_trunk_state_round_trips_through_a_tensors_only_file(tmp_path):
    a, b = _narrow(), _narrow()
    torch.save(a.trunk_state(), tmp_path / "trunk.pt")
    load_trunk(b, tmp_path / "trunk.pt")
    for k, v in a.trunk.state_dict().items():
        assert torch.equal(v, b.trunk.state_dict()[k])
    torch.save({"conv1.weight": torch.zeros(1)}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="bad.pt: not a trunk"):
        load_trunk(b, tmp_path / "bad.pt")


def test_authors_checkpoint_conversion_is_opt_in_and_keeps_the_trunk(tmp_path):
    import torchvision

    # The authors' layout: a whole torchvision ResNet50 pickled, its fc replaced by their head.
    authors = torchvision.models.resnet50()
    authors.fc = nn.Sequential(nn.Linear(2048, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Linear(512, 2))
    torch.save(authors, tmp_path / "resnet50_512_Fundus.pth")
    with pytest.raises(PermissionError, match="trust_pickle=True"):
        convert_authors_checkpoint(tmp_path / "resnet50_512_Fundus.pth", tmp_path / "trunk.pt")
    out = convert_authors_checkpoint(tmp_path / "resnet50_512_Fundus.pth", tmp_path / "trunk.pt", trust_pickle=True)
    model = load_trunk(create_model("foundation_resnet", backbone="resnet50"), out)
    assert torch.equal(model.trunk.conv1.weight, authors.conv1.weight)
    assert torch.equal(model.trunk.layer4[-1].bn3.running_mean, authors.layer4[-1].bn3.running_mean)
