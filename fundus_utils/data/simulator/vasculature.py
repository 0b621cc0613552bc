"""Anatomical vessel trees (simulator v2): arcades from the disc, then space-colonisation growth.

Two trees per eye, arterial and venous, each grown in two stages in the canonical left-eye
frame (normalised coordinates, lengths in disc diameters DD, see ``scene.py``):

1. **Main trunks from anatomy.** The superior and inferior temporal arcades leave the disc
   almost vertically and arch temporally around the macula (their vertical distance from
   the disc centre saturates at ``ARCADE_RISE`` DD, so they pass about 2 DD above and below
   the fovea), and the superior and inferior nasal trunks run nasally. Arteries and veins
   take slightly different paths with independent wander, so they cross now and then.
2. **Space colonisation** (Runions, Fuhrer, Lane, Federl, Rolland-Lagan & Prusinkiewicz,
   "Modeling and visualization of leaf venation patterns", ACM TOG 24(3), 2005), the
   tissue-driven growth also behind synthetic retinal trees such as Menti, Bonaldi, Ballerini,
   Ruggeri & Trucco (SASHIMI 2016, LNCS 9968): attraction points are scattered over the retina outside the foveal avascular
   zone (FAZ) and the disc; every iteration, each tree node nearest to some attraction points
   within ``INFLUENCE`` DD grows one ``STEP`` towards their mean direction, and points within
   ``KILL`` DD of a node are consumed. Branches therefore fill unvascularised tissue, converge
   towards the fovea without entering the FAZ, and branch where two groups of points pull
   apart (the bifurcation angles are emergent, not drawn: the realism report measures them).

Calibres follow Murray's law (Murray, PNAS 12, 1926) through the pipe model: every node
supplies one unit of tissue, a node's flow is the sum over its subtree, and the radius is
proportional to flow^(1/3), so r_parent^3 = sum of r_child^3 at every bifurcation. The
widest trunk of each tree is scaled to the calibre of the central vessels at the disc margin
(vein about 0.075 DD, i.e. ~135 um; artery 0.058 DD, ~105 um). Every step is vectorised:
nearest-node bookkeeping is incremental (each iteration compares the live attraction points
with the new nodes only), flows are accumulated per growth generation with ``np.add.at``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STEP = 0.11           # growth step, DD
INFLUENCE = 0.9       # attraction radius, DD
KILL = 0.22           # consumption radius, DD
FAZ = 0.3             # foveal avascular zone radius, DD
ARCADE_RISE = 1.6     # vertical reach of the temporal arcades from the disc centre, DD
SPROUT_EVERY = 6      # trunk nodes that may sprout: one in this many (no comb of parallel twigs)
TRUNK_DD = {"arcade": 3.0, "nasal": 1.6}  # how far the drawn trunks reach; colonisation carries them on
MAX_ITER = 60
ROOT_WIDTH = {False: 0.075, True: 0.058}  # widest trunk at the disc, DD (vein, artery)
N_ATTRACTORS = 420
INERTIA = 0.6         # weight of a growing tip's own heading against the attraction points' pull
TROPISM = 0.25        # weight of the direction away from the disc
MIN_TWIG = 3          # subtrees of fewer nodes are pruned (twigs below what annotators trace)


@dataclass
class Tree:
    """Vessel segments of one eye: ``start``/``end`` (S x 2, normalised), ``width`` (S, normalised), ``artery`` (S)."""

    start: np.ndarray
    end: np.ndarray
    width: np.ndarray
    artery: np.ndarray

    def __len__(self) -> int:
        return len(self.width)


def _trunks(rng: np.random.Generator, disc: np.ndarray, dd: float, tortuosity: float,
            artery: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points (N x 2), parent indices and tip flags of the four main trunks of one tree."""
    pts, parents, tips = [], [], []
    for vertical, nasal in ((-1, False), (1, False), (-1, True), (1, True)):
        t = np.arange(0.0, TRUNK_DD["nasal" if nasal else "arcade"] * rng.uniform(0.8, 1.2), STEP * 0.8)
        if nasal:
            # nasal trunks share the arcades' first, near-vertical stretch (superior/inferior branches)
            rise, tau, spread, sign_x = rng.uniform(0.7, 1.1), 0.3, rng.uniform(0.2, 0.45), -1.0
        else:
            rise, tau, spread, sign_x = ARCADE_RISE * rng.uniform(0.85, 1.12), rng.uniform(0.4, 0.6), \
                rng.uniform(0.08, 0.2), 1.0
        rise *= 1.04 if not artery else 0.96
        x = sign_x * t
        y = vertical * (rise * (1 - np.exp(-t / tau)) + spread * t)
        # Gentle wander across the path: smooth noise, larger with tortuosity.
        wander = np.cumsum(rng.normal(0, 0.04 * tortuosity, len(t)))
        wander = np.convolve(wander - wander.mean(), np.ones(7) / 7, mode="same") * np.minimum(t / 0.8, 1)
        heading = np.arctan2(np.gradient(y), np.gradient(x))
        xy = np.stack([x - np.sin(heading) * wander, y + np.cos(heading) * wander], 1)
        xy += rng.normal(0, 0.04, 2) * np.minimum(t / 0.5, 1)[:, None]
        start = sum(len(p) for p in pts)
        pts.append(disc + xy * dd)
        parents.append(np.r_[-1, start + np.arange(len(t) - 1)])
        tips.append(np.arange(len(t)) == len(t) - 1)
    return np.vstack(pts), np.concatenate(parents), np.concatenate(tips)


def _attractors(rng: np.random.Generator, n: int, disc: np.ndarray, fovea: np.ndarray, dd: float,
                fov_c: np.ndarray, fov_r: float) -> np.ndarray:
    """Attraction points spread uniformly over the retina, outside the FAZ and the disc."""
    r = fov_r * 1.04 * np.sqrt(rng.uniform(0, 1, 2 * n))
    a = rng.uniform(0, 2 * np.pi, 2 * n)
    pts = fov_c + np.stack([r * np.cos(a), r * np.sin(a)], 1)
    keep = (np.linalg.norm(pts - fovea, axis=1) > (FAZ + 0.1) * dd) & (np.linalg.norm(pts - disc, axis=1) > 0.6 * dd)
    return pts[keep][:n]


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a_i - b_j|^2 for every pair, by one matrix product (no A x B x 2 temporary)."""
    return (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T


def _colonise(rng: np.random.Generator, nodes: np.ndarray, parents: np.ndarray, can_grow: np.ndarray,
              attractors: np.ndarray, disc: np.ndarray, fovea: np.ndarray, dd: float, tortuosity: float,
              node_tree: np.ndarray, attractor_tree: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Space colonisation from ``nodes``; returns all nodes, their parents and growth generation (0 = trunk).

    Both trees grow in one loop: an attraction point only pulls nodes of its own tree
    (``node_tree`` / ``attractor_tree``), so each tree fills the retina as if grown alone.
    """
    n0 = len(nodes)
    other = 1e6 * dd ** 2  # added to distances across trees: never nearest
    capacity = n0 + 8 * len(attractors)
    every = np.empty((capacity, 2))
    every[:n0] = nodes
    parent = np.full(capacity, -1)
    parent[:n0] = parents
    generation = np.zeros(capacity, int)
    tree = np.zeros(capacity, bool)
    tree[:n0] = node_tree
    candidates = np.flatnonzero(can_grow)
    d2 = _squared_distances(attractors, nodes[candidates]) + other * (attractor_tree[:, None] != node_tree[None, candidates])
    nearest, dist2 = candidates[d2.argmin(1)], d2.min(1)
    kill2, pull2, faz2 = (KILL * dd) ** 2, (INFLUENCE * dd) ** 2, (FAZ * dd) ** 2
    live = dist2 > kill2
    attractors, attractor_tree, nearest, dist2 = attractors[live], attractor_tree[live], nearest[live], dist2[live]
    count = n0
    for it in range(1, MAX_ITER + 1):
        pull = dist2 < pull2
        if not pull.any() or count + pull.sum() > capacity:
            break
        growers, which = np.unique(nearest[pull], return_inverse=True)
        towards = attractors[pull] - every[nearest[pull]]
        towards /= np.sqrt((towards ** 2).sum(1, keepdims=True))
        direction = np.zeros((len(growers), 2))
        np.add.at(direction, which, towards)
        # Vessels keep their heading (inertia) and fan out from the disc (tropism) as they follow the pull.
        heading = every[growers] - every[np.maximum(parent[growers], 0)]
        heading /= np.sqrt((heading ** 2).sum(1, keepdims=True)) + 1e-12
        radial = every[growers] - disc
        radial /= np.sqrt((radial ** 2).sum(1, keepdims=True)) + 1e-12
        direction /= np.sqrt((direction ** 2).sum(1, keepdims=True))
        direction += INERTIA * heading + TROPISM * radial
        angle = np.arctan2(direction[:, 1], direction[:, 0]) + rng.normal(0, 0.25 * tortuosity, len(growers))
        new = every[growers] + STEP * dd * np.stack([np.cos(angle), np.sin(angle)], 1)
        keep = ((new - fovea) ** 2).sum(1) > faz2
        new, growers = new[keep], growers[keep]
        if not len(new):
            break
        k = len(new)
        every[count:count + k], parent[count:count + k], generation[count:count + k] = new, growers, it
        tree[count:count + k] = tree[growers]
        d2 = _squared_distances(attractors, new) + other * (attractor_tree[:, None] != tree[None, growers])
        best = d2.argmin(1)
        best_d2 = d2[np.arange(len(best)), best]
        closer = best_d2 < dist2
        nearest = np.where(closer, count + best, nearest)
        dist2 = np.minimum(dist2, best_d2)
        count += k
        live = dist2 > kill2
        attractors, attractor_tree, nearest, dist2 = attractors[live], attractor_tree[live], nearest[live], dist2[live]
    return every[:count], parent[:count], generation[:count], tree[:count]


def _flows(parents: np.ndarray, generation: np.ndarray) -> np.ndarray:
    """Tissue units supplied through every node: its own plus its subtree's (pipe model)."""
    flow = np.ones(len(parents))
    for g in range(generation.max(), 0, -1):  # one vectorised step per growth generation
        mine = np.flatnonzero(generation == g)
        np.add.at(flow, parents[mine], flow[mine])
    # Trunk nodes: each trunk is a chain, so its flows are suffix sums of what enters each node.
    trunk = np.flatnonzero(generation == 0)
    roots = trunk[parents[trunk] < 0]
    for a, b in zip(roots, np.r_[roots[1:], len(trunk)]):
        flow[a:b] = np.cumsum(flow[a:b][::-1])[::-1]
    return flow


def _prune(nodes: np.ndarray, parents: np.ndarray, generation: np.ndarray, keep: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nodes with ``keep`` (a kept node's parent is always kept: flows only grow rootwards), re-indexed."""
    index = np.cumsum(keep) - 1
    new_parents = np.where(parents[keep] >= 0, index[np.maximum(parents[keep], 0)], -1)
    return nodes[keep], new_parents, generation[keep]


def grow_trees(rng: np.random.Generator, disc: np.ndarray, fovea: np.ndarray, dd: float, fov_c: np.ndarray,
               fov_r: float, tortuosity: float = 1.0, density: float = 1.0) -> Tree:
    """The arterial and venous trees of one eye as segments (module docstring)."""
    trunks, points = [], []
    for artery in (False, True):
        trunk, trunk_parents, tips = _trunks(rng, disc, dd, tortuosity, artery)
        trunks.append((trunk, trunk_parents, tips, np.full(len(trunk), artery)))
        attract = _attractors(rng, int(N_ATTRACTORS * density), disc, fovea, dd, fov_c, fov_r)
        points.append((attract, np.full(len(attract), artery)))
    offset = len(trunks[0][0])
    trunk = np.vstack([trunks[0][0], trunks[1][0]])
    trunk_parents = np.r_[trunks[0][1], np.where(trunks[1][1] >= 0, trunks[1][1] + offset, -1)]
    tips, node_tree = np.r_[trunks[0][2], trunks[1][2]], np.r_[trunks[0][3], trunks[1][3]]
    inside = np.linalg.norm(trunk - fov_c, axis=1) < fov_r * 1.05
    index = np.r_[np.arange(offset), np.arange(len(trunk) - offset)]
    sprouts = (index % SPROUT_EVERY == 0) & (np.linalg.norm(trunk - disc, axis=1) > 0.5 * dd)
    nodes, parents, generation, artery = _colonise(
        rng, trunk, trunk_parents, inside & (sprouts | tips), np.vstack([p for p, _ in points]), disc, fovea, dd,
        tortuosity, node_tree, np.concatenate([t for _, t in points]))
    flow = _flows(parents, generation)
    keep = flow >= MIN_TWIG
    nodes, parents, generation = _prune(nodes, parents, generation, keep)
    artery = artery[keep]
    flow = _flows(parents, generation)  # on the pruned trees, so Murray's law holds exactly
    roots = parents < 0
    widest = {a: flow[roots & (artery == a)].max() for a in (False, True)}
    width = np.where(artery, ROOT_WIDTH[True] / np.cbrt(widest[True]), ROOT_WIDTH[False] / np.cbrt(widest[False]))
    width = width * dd * np.cbrt(flow)
    child = np.flatnonzero(parents >= 0)
    child = child[np.linalg.norm(nodes[child] - fov_c, axis=1) < fov_r * 1.08]
    return Tree(nodes[parents[child]], nodes[child], width[child], artery[child])
